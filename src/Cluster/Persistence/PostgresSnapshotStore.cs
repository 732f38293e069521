using System.Data.Common;

namespace ActorCodistill.Cluster.Persistence;

/// <summary>Snapshot store in PostgreSQL; tables created on first use in <c>schema</c>.</summary>
public sealed class PostgresSnapshotStore(string connectionString, string schema = "public", SnapshotStoreOptions? options = null)
    : SqlSnapshotStore(options)
{
    private readonly PostgresDatabase _database = new(connectionString, schema);

    public string Schema => _database.Schema;

    private protected override string SnapshotsTable => _database.SnapshotsTable;
    private protected override SemaphoreSlim? WriteGate => null;

    private protected override Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => _database.OpenAsync(cancellationToken);

    public override ValueTask DisposeAsync() => _database.DisposeAsync();
}
