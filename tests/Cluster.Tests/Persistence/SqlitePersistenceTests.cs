using ActorCodistill.Cluster.Persistence;
using Microsoft.Data.Sqlite;

namespace ActorCodistill.Cluster.Tests.Persistence;

[Trait("Category", "Unit")]
public sealed class SqlitePersistenceTests : PersistenceContractTests
{
    private readonly SqliteTestFile _db = new("codistill-sqlite-tests", "nested/journal.db");

    private string DatabasePath => _db.DatabasePath;

    private protected override IJournal NewJournal() => new SqliteJournal(DatabasePath);

    private protected override ISnapshotStore NewSnapshotStore(SnapshotStoreOptions options) => new SqliteSnapshotStore(DatabasePath, options);

    private protected override string EventsTable => "journal_events";
    private protected override string SnapshotsTable => "snapshots";

    private protected override Task ExecuteSqlAsync(string sql, string id, long seq, byte[] blob) => _db.ExecuteSqlAsync(sql, id, seq, blob);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _db.Dispose();
    }

    [Fact]
    public async Task SqliteJournal_FirstUse_CreatesDirectoryAndWalModeFile()
    {
        await using var journal = new SqliteJournal(DatabasePath);
        await journal.WriteAsync("p", [new JournalEvent(1, "m", [1], DateTimeOffset.UnixEpoch)], 0);

        Assert.True(File.Exists(DatabasePath));
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task SqliteJournal_FileIsNotADatabase_ThrowsIOExceptionNamingFileAndKey()
    {
        Directory.CreateDirectory(_db.Directory);
        var path = Path.Combine(_db.Directory, "garbage.db");
        await File.WriteAllTextAsync(path, new string('x', 4096));
        await using var journal = new SqliteJournal(path);

        var ex = await Assert.ThrowsAsync<IOException>(() => journal.HighestSequenceNrAsync("p"));

        Assert.Contains(path, ex.Message);
        Assert.Contains(PersistenceSettings.SqlitePathKey, ex.Message);
    }

    [Fact]
    public async Task SqliteStores_SameFileForJournalAndSnapshots_Coexist()
    {
        await using var journal = new SqliteJournal(DatabasePath);
        await using var snapshots = new SqliteSnapshotStore(DatabasePath);
        await Task.WhenAll(
            journal.WriteAsync("p", [new JournalEvent(1, "m", [1], DateTimeOffset.UnixEpoch)], 0),
            snapshots.SaveAsync("p", 1, "s", [2]));

        Assert.Equal(1, await journal.HighestSequenceNrAsync("p"));
        Assert.Equal(new byte[] { 2 }, (await snapshots.LoadNewestAsync("p"))?.Payload);
    }
}
