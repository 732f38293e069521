using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace ActorCodistill.Cluster.Persistence;

/// <summary>The embedded default journal: one SQLite file (WAL mode), schema created on first use.</summary>
public sealed class SqliteJournal(string path) : SqlJournal
{
    private readonly SqliteDatabase _database = new(path);

    public string Path => _database.Path;

    private protected override string EventsTable => SqliteDatabase.EventsTable;
    private protected override string HighestTable => SqliteDatabase.HighestTable;
    private protected override SemaphoreSlim? WriteGate => _database.WriteGate;

    private protected override Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => _database.OpenAsync(cancellationToken);

    // SQLITE_CONSTRAINT_PRIMARYKEY; the in-process gate makes this rare, another process on the same file does not.
    private protected override bool IsUniqueViolation(DbException exception) =>
        exception is SqliteException { SqliteErrorCode: 19 };

    public override ValueTask DisposeAsync()
    {
        _database.ReleaseFile();
        return ValueTask.CompletedTask;
    }
}
