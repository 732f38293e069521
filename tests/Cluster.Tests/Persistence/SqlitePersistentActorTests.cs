using ActorCodistill.Cluster.Persistence;
using Microsoft.Data.Sqlite;

namespace ActorCodistill.Cluster.Tests.Persistence;

[Trait("Category", "Unit")]
public sealed class SqlitePersistentActorTests : PersistentActorContractTests
{
    private readonly SqliteTestFile _db = new("codistill-sqlite-actor-tests", "journal.db");

    private string DatabasePath => _db.DatabasePath;

    private protected override PersistenceStores NewStores(Action<CorruptSnapshot> onCorruptSnapshot) =>
        PersistenceFactory.Create(new PersistenceSettings("sqlite", DatabasePath), onCorruptSnapshot: onCorruptSnapshot);

    private protected override string SnapshotsTable => "snapshots";

    private protected override Task ExecuteSqlAsync(string sql, string id, long seq, byte[] blob) => _db.ExecuteSqlAsync(sql, id, seq, blob);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _db.Dispose();
    }
}
