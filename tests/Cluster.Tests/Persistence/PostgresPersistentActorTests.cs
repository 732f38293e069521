using ActorCodistill.Cluster.Persistence;

namespace ActorCodistill.Cluster.Tests.Persistence;

/// <summary>The persistent-actor contract on PostgreSQL (deploy/pg-test.sh); a schema per test, dropped afterwards.</summary>
[RequiresPostgres]
[Trait("Category", "Unit")]
public sealed class PostgresPersistentActorTests : PersistentActorContractTests
{
    private readonly PostgresTestSchema _db = new("a");

    private protected override PersistenceStores NewStores(Action<CorruptSnapshot> onCorruptSnapshot) =>
        PersistenceFactory.Create(new PersistenceSettings("postgres", PostgresConnectionString: _db.ConnectionString) { PostgresSchema = _db.Schema },
            onCorruptSnapshot: onCorruptSnapshot);

    private protected override string SnapshotsTable => $"{_db.Schema}.snapshots";

    private protected override Task ExecuteSqlAsync(string sql, string id, long seq, byte[] blob) => _db.ExecuteSqlAsync(sql, id, seq, blob);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _db.DisposeAsync();
    }
}
