using System.Data.Common;

namespace ActorCodistill.Cluster.Persistence;

/// <summary>Snapshot store in a SQLite file (may be the same file as the <see cref="SqliteJournal"/>).</summary>
public sealed class SqliteSnapshotStore(string path, SnapshotStoreOptions? options = null) : SqlSnapshotStore(options)
{
    private readonly SqliteDatabase _database = new(path);

    public string Path => _database.Path;

    private protected override string SnapshotsTable => SqliteDatabase.SnapshotsTable;
    private protected override SemaphoreSlim? WriteGate => _database.WriteGate;

    private protected override Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => _database.OpenAsync(cancellationToken);

    public override ValueTask DisposeAsync()
    {
        _database.ReleaseFile();
        return ValueTask.CompletedTask;
    }
}
