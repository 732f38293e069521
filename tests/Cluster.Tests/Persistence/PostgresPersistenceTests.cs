using ActorCodistill.Cluster.Persistence;
using Npgsql;

namespace ActorCodistill.Cluster.Tests.Persistence;

/// <summary>
/// The contract against a real PostgreSQL (deploy/pg-test.sh). Each test gets its own schema,
/// dropped afterwards, so tests neither see each other's rows nor leave any behind.
/// </summary>
[RequiresPostgres]
[Trait("Category", "Unit")]
public sealed class PostgresPersistenceTests : PersistenceContractTests
{
    private readonly PostgresTestSchema _db = new("t");

    private protected override IJournal NewJournal() => new PostgresJournal(_db.ConnectionString, _db.Schema);

    private protected override ISnapshotStore NewSnapshotStore(SnapshotStoreOptions options) => new PostgresSnapshotStore(_db.ConnectionString, _db.Schema, options);

    private protected override string EventsTable => $"{_db.Schema}.journal_events";
    private protected override string SnapshotsTable => $"{_db.Schema}.snapshots";

    private protected override Task ExecuteSqlAsync(string sql, string id, long seq, byte[] blob) => _db.ExecuteSqlAsync(sql, id, seq, blob);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _db.DisposeAsync();
    }
}

[Trait("Category", "Unit")]
public sealed class PostgresConfigurationTests
{
    [Fact]
    public void PostgresJournal_SchemaNameWithSqlInIt_ThrowsNamingSchemaKey()
    {
        var ex = Assert.Throws<PersistenceConfigurationException>(() => new PostgresJournal("Host=/nonexistent", "x; DROP TABLE y"));
        Assert.Equal(PersistenceSettings.PostgresSchemaKey, ex.Key);
        Assert.Contains(PersistenceSettings.PostgresSchemaKey, ex.Message);
    }

    [Fact]
    public async Task PostgresJournal_ServerUnreachable_ThrowsIOExceptionNamingKeyAndHost()
    {
        var socketDirectory = Path.Combine(Path.GetTempPath(), $"codistill-no-pg-{Guid.NewGuid():N}");
        await using var journal = new PostgresJournal($"Host={socketDirectory};Username=nobody;Timeout=2");

        var ex = await Assert.ThrowsAsync<IOException>(() => journal.HighestSequenceNrAsync("p"));

        Assert.Contains(PersistenceSettings.PostgresConnectionStringKey, ex.Message);
        Assert.Contains(socketDirectory, ex.Message);
    }

    [PostgresFact]
    public async Task PersistenceFactory_PostgresPlugin_CreatesWorkingStoresInTheGivenSchema()
    {
        var schema = $"f_{Guid.NewGuid():N}";
        var connectionString = PostgresTestDatabase.Require();
        try
        {
            await using (var stores = PersistenceFactory.Create(new PersistenceSettings("postgres", PostgresConnectionString: connectionString) { PostgresSchema = schema }))
            {
                await stores.Journal.WriteAsync("job", [new JournalEvent(1, "m", [42], DateTimeOffset.UnixEpoch)], 0);
                await stores.Snapshots.SaveAsync("job", 1, "s", [43]);
                Assert.Equal(1, await stores.Journal.HighestSequenceNrAsync("job"));
                Assert.Equal(new byte[] { 43 }, (await stores.Snapshots.LoadNewestAsync("job"))?.Payload);
            }
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var count = new NpgsqlCommand($"SELECT count(*) FROM {schema}.journal_events", connection);
            Assert.Equal(1L, await count.ExecuteScalarAsync());
        }
        finally
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
