using System.Buffers.Binary;
using ActorCodistill.Cluster.Persistence;

namespace ActorCodistill.Cluster.Tests.Persistence;

/// <summary>
/// The behaviour every journal/snapshot-store pair must have. Each concrete subclass supplies
/// the stores (fresh database per test) and raw SQL access for corrupting rows by hand.
/// </summary>
public abstract class PersistenceContractTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2024, 5, 6, 7, 8, 9, TimeSpan.FromHours(2));

    private readonly List<IAsyncDisposable> _stores = [];
    private protected readonly ManualClock Clock = new(T0.AddTicks(123_456_789));
    private protected readonly List<CorruptSnapshot> Corruptions = [];

    /// <summary>A new store instance on this test's database (calling it twice simulates a restart).</summary>
    private protected abstract IJournal NewJournal();

    private protected abstract ISnapshotStore NewSnapshotStore(SnapshotStoreOptions options);

    private protected abstract string EventsTable { get; }
    private protected abstract string SnapshotsTable { get; }

    /// <summary>Runs SQL directly against the database, bypassing the stores (@id, @seq, @blob parameters).</summary>
    private protected abstract Task ExecuteSqlAsync(string sql, string id, long seq, byte[] blob);

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        foreach (var store in _stores)
            await store.DisposeAsync();
    }

    private IJournal Journal()
    {
        var journal = NewJournal();
        _stores.Add(journal);
        return journal;
    }

    private ISnapshotStore Snapshots(int? keepNewest = null)
    {
        var store = NewSnapshotStore(new SnapshotStoreOptions { KeepNewest = keepNewest, TimeProvider = Clock, OnCorruptSnapshot = c => { lock (Corruptions) Corruptions.Add(c); } });
        _stores.Add(store);
        return store;
    }

    private static string NewId(string what) => $"{what}-{Guid.NewGuid():N}";

    private static JournalEvent Event(long seq, int value) =>
        new(seq, "test.Added/v1", Int(value), T0.AddSeconds(seq).AddTicks(seq));

    private static byte[] Int(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        return bytes;
    }

    private static int ReadInt(byte[] bytes) => BinaryPrimitives.ReadInt32LittleEndian(bytes);

    private static JournalEvent[] Events(long from, long to) =>
        Enumerable.Range((int)from, (int)(to - from + 1)).Select(s => Event(s, s * 10)).ToArray();

    // ---- journal ----

    [ContractFact]
    public async Task Journal_WritesInTwoBatches_ReplaysAllInOrderWithPayloadsAndTimestamps()
    {
        var journal = Journal();
        var id = NewId("order");
        await journal.WriteAsync(id, [Event(1, 7)], expectedSequenceNr: 0);
        await journal.WriteAsync(id, [Event(2, -3), Event(3, 1_000_000)], expectedSequenceNr: 1);

        var replayed = await journal.ReadAllAsync(id);

        Assert.Equal([Event(1, 7), Event(2, -3), Event(3, 1_000_000)], replayed);
        Assert.Equal([7, -3, 1_000_000], replayed.Select(e => ReadInt(e.Payload)));
        // Exact to the tick, whatever offset it was written with.
        Assert.Equal(T0.AddSeconds(2).AddTicks(2).UtcTicks, replayed[1].Timestamp.UtcTicks);
        Assert.Equal(3, await journal.HighestSequenceNrAsync(id));
    }

    [ContractFact]
    public async Task Journal_UnknownId_HighestIsZeroAndReplayEmpty()
    {
        var journal = Journal();
        Assert.Equal(0, await journal.HighestSequenceNrAsync(NewId("nobody")));
        Assert.Empty(await journal.ReadAllAsync(NewId("nobody")));
    }

    [ContractFact]
    public async Task Journal_StaleExpectedSequenceNr_ThrowsConcurrencyExceptionNamingIdAndWritesNothing()
    {
        var journal = Journal();
        var id = NewId("stale");
        await journal.WriteAsync(id, Events(1, 2), 0);

        var ex = await Assert.ThrowsAsync<JournalConcurrencyException>(() => journal.WriteAsync(id, Events(2, 4), expectedSequenceNr: 1));

        Assert.Equal(id, ex.PersistenceId);
        Assert.Equal(1, ex.ExpectedSequenceNr);
        Assert.Equal(2, ex.ActualSequenceNr);
        Assert.Contains(id, ex.Message);
        Assert.Equal(Events(1, 2), await journal.ReadAllAsync(id));
        Assert.Equal(2, await journal.HighestSequenceNrAsync(id));
    }

    [ContractFact]
    public async Task Journal_ExpectedZeroOnExistingStream_ThrowsConcurrencyException()
    {
        var journal = Journal();
        var id = NewId("exists");
        await journal.WriteAsync(id, Events(1, 1), 0);

        var ex = await Assert.ThrowsAsync<JournalConcurrencyException>(() => journal.WriteAsync(id, Events(1, 1), 0));
        Assert.Equal(1, ex.ActualSequenceNr);
    }

    [ContractFact]
    public async Task Journal_NonConsecutiveBatch_IsRejectedBeforeWriting()
    {
        var journal = Journal();
        var id = NewId("gap");
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => journal.WriteAsync(id, [Event(1, 1), Event(3, 3)], 0));
        Assert.Contains(id, ex.Message);
        Assert.Equal(0, await journal.HighestSequenceNrAsync(id));
    }

    [ContractFact]
    public async Task Journal_MultiEventWriteFailingHalfway_WritesNoneOfIt()
    {
        var journal = Journal();
        var id = NewId("atomic");
        await journal.WriteAsync(id, Events(1, 2), 0);
        // A stray row at 4 (written behind the journal's back) makes the 2nd insert of the next
        // batch fail after the 1st succeeded and the highest number was advanced: all must roll back.
        await ExecuteSqlAsync(
            $"INSERT INTO {EventsTable} (persistence_id, sequence_nr, manifest, payload, timestamp_ticks) VALUES (@id, @seq, 'stray', @blob, 0)",
            id, 4, [9]);

        await Assert.ThrowsAsync<JournalConcurrencyException>(() => journal.WriteAsync(id, Events(3, 5), 2));

        Assert.Equal([1L, 2L, 4L], (await journal.ReadAllAsync(id)).Select(e => e.SequenceNr));
        Assert.Equal(2, await journal.HighestSequenceNrAsync(id));
    }

    [ContractFact]
    public async Task Journal_ConcurrentWritersWithSameExpected_ExactlyOneWins()
    {
        const int writers = 8;
        var id = NewId("race");
        var journals = Enumerable.Range(0, writers).Select(_ => Journal()).ToArray();
        await journals[0].HighestSequenceNrAsync(id); // creates the schema before the race
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var attempts = journals.Select((j, i) => Task.Run(async () =>
        {
            await start.Task;
            try
            {
                await j.WriteAsync(id, [Event(1, i), Event(2, i)], 0);
                return i;
            }
            catch (JournalConcurrencyException)
            {
                return -1;
            }
        })).ToArray();
        start.SetResult();
        var results = await Task.WhenAll(attempts);

        var winners = results.Where(r => r >= 0).ToArray();
        Assert.Single(winners);
        var stored = await journals[0].ReadAllAsync(id);
        Assert.Equal([Event(1, winners[0]), Event(2, winners[0])], stored);
    }

    [ContractFact]
    public async Task Journal_ReplayRanges_AreInclusiveAndClipped()
    {
        var journal = Journal();
        var id = NewId("range");
        await journal.WriteAsync(id, Events(1, 10), 0);

        async Task<long[]> Range(long from, long to) => (await journal.ReadAllAsync(id, from, to)).Select(e => e.SequenceNr).ToArray();

        Assert.Equal(new long[] { 3, 4, 5 }, await Range(3, 5));
        Assert.Equal(new long[] { 8, 9, 10 }, await Range(8, long.MaxValue));
        Assert.Equal(new long[] { 1, 2 }, await Range(0, 2));
        Assert.Equal(new long[] { 7 }, await Range(7, 7));
        Assert.Empty(await Range(11, 20));
        Assert.Empty(await Range(5, 4));
    }

    [ContractFact]
    public async Task Journal_ReplayAcrossPages_DeliversEveryEventOnceInOrder()
    {
        var journal = Journal();
        var id = NewId("pages");
        await journal.WriteAsync(id, Events(1, 600), 0);
        var seen = new List<long>();

        var count = await journal.ReplayAsync(id, 1, long.MaxValue, e => seen.Add(e.SequenceNr));

        Assert.Equal(600, count);
        Assert.Equal(Enumerable.Range(1, 600).Select(i => (long)i), seen);
    }

    [ContractFact]
    public async Task Journal_DeleteUpTo_RemovesPrefixButKeepsHighest()
    {
        var journal = Journal();
        var id = NewId("delete");
        await journal.WriteAsync(id, Events(1, 5), 0);

        await journal.DeleteUpToAsync(id, 3);
        Assert.Equal(Events(4, 5), await journal.ReadAllAsync(id));
        Assert.Equal(5, await journal.HighestSequenceNrAsync(id));

        await journal.DeleteUpToAsync(id, 5);
        Assert.Empty(await journal.ReadAllAsync(id));
        Assert.Equal(5, await journal.HighestSequenceNrAsync(id));

        // Deleted numbers are not reusable: the stream continues after 5.
        await Assert.ThrowsAsync<JournalConcurrencyException>(() => journal.WriteAsync(id, Events(1, 1), 0));
        await journal.WriteAsync(id, Events(6, 6), 5);
        Assert.Equal(Events(6, 6), await journal.ReadAllAsync(id));
    }

    [ContractFact]
    public async Task Journal_DeleteOneId_LeavesOthersAlone()
    {
        var journal = Journal();
        var a = NewId("a");
        var b = NewId("b");
        await journal.WriteAsync(a, Events(1, 3), 0);
        await journal.WriteAsync(b, Events(1, 3), 0);

        await journal.DeleteUpToAsync(a, 3);

        Assert.Empty(await journal.ReadAllAsync(a));
        Assert.Equal(Events(1, 3), await journal.ReadAllAsync(b));
    }

    [ContractFact]
    public async Task Journal_ManyConcurrentWritersOnDifferentIds_AllEventsPersisted()
    {
        const int ids = 12, writesPerId = 15;
        var journal = Journal();
        var names = Enumerable.Range(0, ids).Select(i => NewId($"w{i}")).ToArray();

        await Task.WhenAll(names.Select((name, i) => Task.Run(async () =>
        {
            for (var seq = 1; seq <= writesPerId; seq++)
                await journal.WriteAsync(name, [Event(seq, i * 1000 + seq)], seq - 1);
        })));

        for (var i = 0; i < ids; i++)
        {
            var events = await journal.ReadAllAsync(names[i]);
            Assert.Equal(Enumerable.Range(1, writesPerId).Select(s => Event(s, i * 1000 + s)), events);
            Assert.Equal(writesPerId, await journal.HighestSequenceNrAsync(names[i]));
        }
    }

    // ---- snapshots ----

    [ContractFact]
    public async Task Snapshot_LoadNewest_ReturnsNewestAtOrBelowMax()
    {
        var store = Snapshots();
        var id = NewId("snap");
        await store.SaveAsync(id, 10, "state/v1", Int(100));
        Clock.Now = Clock.Now.AddMinutes(1);
        await store.SaveAsync(id, 20, "state/v1", Int(200));
        Clock.Now = Clock.Now.AddMinutes(1);
        await store.SaveAsync(id, 30, "state/v2", Int(300));

        Assert.Equal(new Snapshot(id, 30, "state/v2", Int(300), T0.AddTicks(123_456_789).AddMinutes(2)), await store.LoadNewestAsync(id));
        Assert.Equal(20, (await store.LoadNewestAsync(id, 29))?.SequenceNr);
        Assert.Equal(200, ReadInt((await store.LoadNewestAsync(id, 20))!.Payload));
        Assert.Null(await store.LoadNewestAsync(id, 9));
        Assert.Null(await store.LoadNewestAsync(NewId("other")));
        Assert.Empty(Corruptions);
    }

    [ContractFact]
    public async Task Snapshot_SaveAtSameSequenceNr_ReplacesIt()
    {
        var store = Snapshots();
        var id = NewId("replace");
        await store.SaveAsync(id, 5, "old", Int(1));
        await store.SaveAsync(id, 5, "new", Int(2));

        var loaded = await store.LoadNewestAsync(id);
        Assert.Equal("new", loaded?.Manifest);
        Assert.Equal(2, ReadInt(loaded!.Payload));
    }

    [ContractFact]
    public async Task Snapshot_NewestPayloadCorrupted_FallsBackToOlderAndReportsIt()
    {
        var store = Snapshots();
        var id = NewId("corrupt");
        await store.SaveAsync(id, 10, "state", Int(100));
        await store.SaveAsync(id, 20, "state", Int(200));
        await ExecuteSqlAsync($"UPDATE {SnapshotsTable} SET payload = @blob WHERE persistence_id = @id AND sequence_nr = @seq", id, 20, Int(201));

        var loaded = await store.LoadNewestAsync(id);

        Assert.Equal(10, loaded?.SequenceNr);
        Assert.Equal(100, ReadInt(loaded!.Payload));
        var corruption = Assert.Single(Corruptions);
        Assert.Equal((id, 20L), (corruption.PersistenceId, corruption.SequenceNr));
        Assert.Contains("SHA-256", corruption.Reason);
        Assert.Contains(id, corruption.ToString());
    }

    [ContractFact]
    public async Task Snapshot_NewestChecksumUnreadable_FallsBackToOlder()
    {
        var store = Snapshots();
        var id = NewId("badsum");
        await store.SaveAsync(id, 1, "state", Int(1));
        await store.SaveAsync(id, 2, "state", Int(2));
        await ExecuteSqlAsync($"UPDATE {SnapshotsTable} SET checksum = @blob WHERE persistence_id = @id AND sequence_nr = @seq", id, 2, [1, 2, 3]);

        Assert.Equal(1, (await store.LoadNewestAsync(id))?.SequenceNr);
        Assert.Contains("3 bytes", Assert.Single(Corruptions).Reason);
    }

    [ContractFact]
    public async Task Snapshot_AllCorrupt_ReturnsNullAndReportsEach()
    {
        var store = Snapshots();
        var id = NewId("allbad");
        await store.SaveAsync(id, 1, "state", Int(1));
        await store.SaveAsync(id, 2, "state", Int(2));
        await ExecuteSqlAsync($"UPDATE {SnapshotsTable} SET payload = @blob WHERE persistence_id = @id AND sequence_nr <= @seq", id, 2, []);

        Assert.Null(await store.LoadNewestAsync(id));
        Assert.Equal([2L, 1L], Corruptions.Select(c => c.SequenceNr));
    }

    [ContractFact]
    public async Task Snapshot_KeepNewestTwo_PrunesOlderOnSave()
    {
        var store = Snapshots(keepNewest: 2);
        var id = NewId("keep");
        var other = NewId("keep-other");
        await store.SaveAsync(other, 1, "state", Int(1));
        foreach (var seq in new long[] { 1, 2, 3 })
            await store.SaveAsync(id, seq, "state", Int((int)seq));

        Assert.Equal(3, (await store.LoadNewestAsync(id))?.SequenceNr);
        Assert.Equal(2, (await store.LoadNewestAsync(id, 2))?.SequenceNr);
        Assert.Null(await store.LoadNewestAsync(id, 1));
        Assert.Equal(1, (await store.LoadNewestAsync(other))?.SequenceNr);
    }

    [ContractFact]
    public async Task Snapshot_DeleteAndDeleteUpTo_RemoveOnlyThoseSnapshots()
    {
        var store = Snapshots();
        var id = NewId("sdel");
        foreach (var seq in new long[] { 1, 2, 3, 4 })
            await store.SaveAsync(id, seq, "state", Int((int)seq));

        await store.DeleteAsync(id, 4);
        Assert.Equal(3, (await store.LoadNewestAsync(id))?.SequenceNr);

        await store.DeleteUpToAsync(id, 2);
        Assert.Equal(3, (await store.LoadNewestAsync(id))?.SequenceNr);
        Assert.Null(await store.LoadNewestAsync(id, 2));
    }

    // ---- recovery ----

    /// <summary>State = sum of event values; the snapshot payload is that sum.</summary>
    private async Task<(long Highest, int Sum, List<long> Applied, long? SnapshotUsed)> Recover(IJournal journal, ISnapshotStore store, string id)
    {
        var sum = 0;
        long? snapshotUsed = null;
        var applied = new List<long>();
        var highest = await EventSourcedRecovery.RecoverAsync(journal, store, id,
            s => { snapshotUsed = s.SequenceNr; sum = ReadInt(s.Payload); },
            e => { applied.Add(e.SequenceNr); sum += ReadInt(e.Payload); });
        return (highest, sum, applied, snapshotUsed);
    }

    [ContractFact]
    public async Task Recovery_SnapshotThenLaterEvents_AppliesSnapshotAndOnlyLaterEvents()
    {
        var journal = Journal();
        var store = Snapshots();
        var id = NewId("recover");
        await journal.WriteAsync(id, Events(1, 5), 0);          // values 10..50
        await store.SaveAsync(id, 3, "sum", Int(10 + 20 + 30));

        var (highest, sum, applied, snapshotUsed) = await Recover(journal, store, id);

        Assert.Equal(5, highest);
        Assert.Equal(3, snapshotUsed);
        Assert.Equal([4L, 5L], applied);
        Assert.Equal(150, sum);
    }

    [ContractFact]
    public async Task Recovery_NoSnapshot_ReplaysEverything_AndEmptyIdRecoversToZero()
    {
        var journal = Journal();
        var store = Snapshots();
        var id = NewId("nosnap");
        await journal.WriteAsync(id, Events(1, 4), 0);

        var (highest, sum, applied, snapshotUsed) = await Recover(journal, store, id);
        Assert.Equal((4L, 100, (long?)null), (highest, sum, snapshotUsed));
        Assert.Equal([1L, 2L, 3L, 4L], applied);

        var empty = await Recover(journal, store, NewId("empty"));
        Assert.Equal((0L, 0, 0, (long?)null), (empty.Highest, empty.Sum, empty.Applied.Count, empty.SnapshotUsed));
    }

    [ContractFact]
    public async Task Recovery_NewestSnapshotCorrupt_UsesOlderSnapshotAndReplaysMoreEvents()
    {
        var journal = Journal();
        var store = Snapshots();
        var id = NewId("fallback");
        await journal.WriteAsync(id, Events(1, 6), 0);           // values 10..60
        await store.SaveAsync(id, 2, "sum", Int(30));
        await store.SaveAsync(id, 5, "sum", Int(150));
        await ExecuteSqlAsync($"UPDATE {SnapshotsTable} SET payload = @blob WHERE persistence_id = @id AND sequence_nr = @seq", id, 5, Int(999));

        var (highest, sum, applied, snapshotUsed) = await Recover(journal, store, id);

        Assert.Equal((6L, 210, (long?)2), (highest, sum, snapshotUsed));
        Assert.Equal([3L, 4L, 5L, 6L], applied);
        Assert.Equal(5, Assert.Single(Corruptions).SequenceNr);
    }

    [ContractFact]
    public async Task Recovery_EventsDeletedBehindCorruptSnapshot_ThrowsNamingIdAndGap()
    {
        var journal = Journal();
        var store = Snapshots();
        var id = NewId("gap");
        await journal.WriteAsync(id, Events(1, 5), 0);
        await store.SaveAsync(id, 3, "sum", Int(60));
        await journal.DeleteUpToAsync(id, 3);
        await ExecuteSqlAsync($"UPDATE {SnapshotsTable} SET payload = @blob WHERE persistence_id = @id AND sequence_nr = @seq", id, 3, Int(0));

        var ex = await Assert.ThrowsAsync<PersistenceRecoveryException>(() => Recover(journal, store, id));

        Assert.Equal(id, ex.PersistenceId);
        Assert.Contains(id, ex.Message);
        Assert.Contains("events 1..3 are missing", ex.Message);
    }

    // ---- durability ----

    [ContractFact]
    public async Task Store_ReopenedAsNewInstances_SeesEarlierData()
    {
        var id = NewId("reopen");
        var journal = NewJournal();
        var store = NewSnapshotStore(new SnapshotStoreOptions { TimeProvider = Clock });
        await journal.WriteAsync(id, Events(1, 3), 0);
        await store.SaveAsync(id, 2, "sum", Int(30));
        await journal.DisposeAsync();
        await store.DisposeAsync();

        var reopenedJournal = Journal();
        var reopenedStore = Snapshots();

        Assert.Equal(3, await reopenedJournal.HighestSequenceNrAsync(id));
        Assert.Equal(Events(1, 3), await reopenedJournal.ReadAllAsync(id));
        Assert.Equal(new Snapshot(id, 2, "sum", Int(30), Clock.Now), await reopenedStore.LoadNewestAsync(id));
        await reopenedJournal.WriteAsync(id, Events(4, 4), 3);
        Assert.Equal(4, await reopenedJournal.HighestSequenceNrAsync(id));
    }
}
