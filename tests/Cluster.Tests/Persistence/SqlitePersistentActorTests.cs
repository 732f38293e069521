using ActorCodistill.Cluster.Persistence;
using Microsoft.Data.Sqlite;

namespace ActorCodistill.Cluster.Tests.Persistence;

[Trait("Category", "Unit")]
public sealed class SqlitePersistentActorTests : PersistentActorContractTests
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "codistill-sqlite-actor-tests", Guid.NewGuid().ToString("N"));

    private string DatabasePath => Path.Combine(_directory, "journal.db");

    private protected override PersistenceStores NewStores(Action<CorruptSnapshot> onCorruptSnapshot) =>
        PersistenceFactory.Create(new PersistenceSettings("sqlite", DatabasePath), onCorruptSnapshot: onCorruptSnapshot);

    private protected override string SnapshotsTable => "snapshots";

    private protected override async Task ExecuteSqlAsync(string sql, string id, long seq, byte[] blob)
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("@id", id);
        command.Parameters.AddWithValue("@seq", seq);
        command.Parameters.AddWithValue("@blob", blob);
        await command.ExecuteNonQueryAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }
}
