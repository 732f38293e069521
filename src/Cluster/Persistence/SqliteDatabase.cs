using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace ActorCodistill.Cluster.Persistence;

/// <summary>
/// One SQLite file as used by the journal and snapshot store: opens pooled connections with a
/// busy timeout, creates the schema once, and hands out the process-wide write gate for the file.
/// </summary>
/// <remarks>
/// SQLite allows one writer at a time. Every store on the same file in this process shares one
/// <see cref="SemaphoreSlim"/>, so writers queue in-process instead of spinning on SQLITE_BUSY;
/// the busy timeout covers another process on the same file. WAL mode lets reads (replay) run
/// beside the writer. synchronous=NORMAL in WAL mode survives a process crash (kill -9), and a
/// power loss can drop only the last commits, never corrupt the file.
/// </remarks>
internal sealed class SqliteDatabase
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Gates = new(StringComparer.Ordinal);

    private readonly string _connectionString;
    private readonly SemaphoreSlim _schemaLock = new(1, 1);
    private volatile bool _schemaReady;

    public SqliteDatabase(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new PersistenceConfigurationException(PersistenceSettings.SqlitePathKey,
                $"{PersistenceSettings.SqlitePathKey} is empty; set it to the SQLite file the journal should use");
        Path = System.IO.Path.GetFullPath(path);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        WriteGate = Gates.GetOrAdd(Path, _ => new SemaphoreSlim(1, 1));
    }

    public string Path { get; }

    public SemaphoreSlim WriteGate { get; }

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (!_schemaReady)
            await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        return await OpenRawAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<SqliteConnection> OpenRawAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var pragmas = connection.Command("PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;");
            await pragmas.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch (SqliteException ex)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new IOException($"cannot open SQLite persistence file '{Path}' ({PersistenceSettings.SqlitePathKey}): {ex.Message}", ex);
        }
    }

    private async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        await _schemaLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_schemaReady)
                return;
            var directory = System.IO.Path.GetDirectoryName(Path);
            if (!string.IsNullOrEmpty(directory))
                Directory.CreateDirectory(directory);
            // Not under the write gate: callers may already hold it, and a concurrent creator on
            // another instance only makes this wait on the busy timeout (the DDL is idempotent).
            try
            {
                await using var connection = await OpenRawAsync(cancellationToken).ConfigureAwait(false);
                await using var command = connection.Command(Schema);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (SqliteException ex)
            {
                // Typically a file that is not a SQLite database ("file is not a database").
                throw new IOException($"cannot create the persistence schema in SQLite file '{Path}' ({PersistenceSettings.SqlitePathKey}): {ex.Message}", ex);
            }
            _schemaReady = true;
        }
        finally
        {
            _schemaLock.Release();
        }
    }

    /// <summary>Closes pooled connections so the file can be moved or deleted.</summary>
    public void ReleaseFile() => SqliteConnection.ClearPool(new SqliteConnection(_connectionString));

    public const string EventsTable = "journal_events";
    public const string HighestTable = "journal_highest";
    public const string SnapshotsTable = "snapshots";

    // Timestamps are UTC ticks so they round-trip exactly (SQLite has no timestamp type).
    private const string Schema = """
        PRAGMA journal_mode = WAL;
        CREATE TABLE IF NOT EXISTS journal_events (
            persistence_id TEXT NOT NULL,
            sequence_nr INTEGER NOT NULL,
            manifest TEXT NOT NULL,
            payload BLOB NOT NULL,
            timestamp_ticks INTEGER NOT NULL,
            PRIMARY KEY (persistence_id, sequence_nr)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS journal_highest (
            persistence_id TEXT NOT NULL PRIMARY KEY,
            sequence_nr INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS snapshots (
            persistence_id TEXT NOT NULL,
            sequence_nr INTEGER NOT NULL,
            manifest TEXT NOT NULL,
            payload BLOB NOT NULL,
            checksum BLOB NOT NULL,
            timestamp_ticks INTEGER NOT NULL,
            PRIMARY KEY (persistence_id, sequence_nr)) WITHOUT ROWID;
        """;
}
