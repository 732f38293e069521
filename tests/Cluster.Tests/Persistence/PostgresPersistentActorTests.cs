using ActorCodistill.Cluster.Persistence;
using Npgsql;

namespace ActorCodistill.Cluster.Tests.Persistence;

/// <summary>The persistent-actor contract on PostgreSQL (deploy/pg-test.sh); a schema per test, dropped afterwards.</summary>
[RequiresPostgres]
[Trait("Category", "Unit")]
public sealed class PostgresPersistentActorTests : PersistentActorContractTests
{
    private readonly string _schema = $"a_{Guid.NewGuid():N}";
    private string? _connectionString;

    private string ConnectionString => _connectionString ??= PostgresTestDatabase.Require();

    private protected override PersistenceStores NewStores(Action<CorruptSnapshot> onCorruptSnapshot) =>
        PersistenceFactory.Create(new PersistenceSettings("postgres", PostgresConnectionString: ConnectionString) { PostgresSchema = _schema },
            onCorruptSnapshot: onCorruptSnapshot);

    private protected override string SnapshotsTable => $"{_schema}.snapshots";

    private protected override async Task ExecuteSqlAsync(string sql, string id, long seq, byte[] blob)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("seq", seq);
        command.Parameters.AddWithValue("blob", blob);
        await command.ExecuteNonQueryAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_connectionString is null)
            return;
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {_schema} CASCADE", connection);
        await command.ExecuteNonQueryAsync();
    }
}
