using System.Text;
using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.Persistence;
using ActorCodistill.TestKit;

namespace ActorCodistill.Cluster.Tests.Persistence;

/// <summary>
/// <see cref="ReceivePersistentActor"/> against real stores. Each concrete subclass supplies stores on a fresh
/// database per test (a second call gives new store instances on the same database, as after a restart) and raw
/// SQL for corrupting snapshots.
/// </summary>
public abstract class PersistentActorContractTests : ActorTestKit, IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _stores = [];
    private protected readonly List<CorruptSnapshot> Corruptions = [];
    private ControlledJournal? _journal;

    private protected abstract PersistenceStores NewStores(Action<CorruptSnapshot> onCorruptSnapshot);

    private protected abstract string SnapshotsTable { get; }

    /// <summary>Runs SQL directly against the database (@id, @seq, @blob parameters).</summary>
    private protected abstract Task ExecuteSqlAsync(string sql, string id, long seq, byte[] blob);

    private ControlledJournal Journal => _journal ?? throw new InvalidOperationException("InitializeAsync has not run");

    public Task InitializeAsync()
    {
        var stores = Stores();
        _journal = new ControlledJournal(stores.Journal);
        PersistenceExtension.Register(Sys, new PersistenceStores(_journal, stores.Snapshots));
        return Task.CompletedTask;
    }

    public virtual async Task DisposeAsync()
    {
        await Sys.Terminate();
        foreach (var store in _stores)
            await store.DisposeAsync();
    }

    private PersistenceStores Stores()
    {
        var stores = NewStores(c => { lock (Corruptions) Corruptions.Add(c); });
        _stores.Add(stores);
        return stores;
    }

    // Every expectation here waits on database I/O; a cold PostgreSQL connection on a loaded machine can take
    // seconds, which says nothing about the behaviour under test.
    private TimeSpan Io => Dilated(TimeSpan.FromSeconds(15));

    private static string NewId(string what) => $"{what}-{Guid.NewGuid():N}";

    private (IActorRef Actor, TestProbe Probe) Start(string id, ActorSystem? system = null)
    {
        var probe = system is null ? CreateTestProbe() : new TestProbe(system, null, DilationFactor);
        var actor = (system ?? Sys).ActorOf(CounterActor.Props(id, probe.Ref));
        return (actor, probe);
    }

    // Terminated is a system message and may overtake the last message the dying actor sent.
    private (T Message, Terminated Terminated) ExpectMsgAndTerminated<T>(TestProbe probe)
    {
        var received = probe.ReceiveN(2, Io);
        return (Assert.Single(received.OfType<T>()), Assert.Single(received.OfType<Terminated>()));
    }

    private void Stop(IActorRef actor, TestProbe probe)
    {
        probe.Watch(actor);
        Sys.Stop(actor);
        probe.ExpectTerminated(actor, Io);
    }

    [ContractFact]
    public async Task PersistentActor_PersistThenNewSystemOnSameDatabase_RecoversSameState()
    {
        var id = NewId("counter");
        var (actor, probe) = Start(id);
        Assert.Equal(new Recovered(0, 0, null), probe.ExpectMsg<Recovered>(timeout: Io));
        actor.Tell(new Add(5));
        actor.Tell(new Add(-2));
        Assert.Equal(new Persisted(5, 5, 1), probe.ExpectMsg<Persisted>(timeout: Io));
        Assert.Equal(new Persisted(-2, 3, 2), probe.ExpectMsg<Persisted>(timeout: Io));

        var restarted = ActorSystem.Create("restarted", new ActorSystemSettings { LogSink = LogSink });
        try
        {
            PersistenceExtension.Register(restarted, Stores());
            var (_, probe2) = Start(id, restarted);
            Assert.Equal(new Recovered(3, 2, null), probe2.ExpectMsg<Recovered>(timeout: Io));
        }
        finally
        {
            await restarted.Terminate();
        }
    }

    [ContractFact]
    public void PersistentActor_PersistAll_HandlersRunInOrderWithConsecutiveSequenceNumbers()
    {
        var id = NewId("all");
        var (actor, probe) = Start(id);
        probe.ExpectMsg<Recovered>(timeout: Io);
        actor.Tell(new AddMany([1, 2, 3]));
        actor.Tell("after");

        Assert.Equal(new Persisted(1, 1, 1), probe.ExpectMsg<Persisted>(timeout: Io));
        Assert.Equal(new Persisted(2, 3, 2), probe.ExpectMsg<Persisted>(timeout: Io));
        Assert.Equal(new Persisted(3, 6, 3), probe.ExpectMsg<Persisted>(timeout: Io));
        Assert.Equal("cmd:after:6", probe.ExpectMsg<string>(timeout: Io));
        Stop(actor, probe);

        var (_, probe2) = Start(id);
        Assert.Equal(new Recovered(6, 3, null), probe2.ExpectMsg<Recovered>(timeout: Io));
    }

    [ContractFact]
    public async Task PersistentActor_CommandsSentWhileWriteIsInFlight_RunAfterItsHandlerInOrder()
    {
        var (actor, probe) = Start(NewId("stash"));
        probe.ExpectMsg<Recovered>(timeout: Io);
        Journal.HoldWrites();
        actor.Tell(new Add(5));
        await Journal.WriteHeld.Task.WaitAsync(Io);

        // Both are in the mailbox while the write is held; neither may see the state before the event.
        actor.Tell("a");
        actor.Tell(new Add(1));
        actor.Tell("b");
        Journal.ReleaseWrites();

        Assert.Equal(new Persisted(5, 5, 1), probe.ExpectMsg<Persisted>(timeout: Io));
        Assert.Equal("cmd:a:5", probe.ExpectMsg<string>(timeout: Io));
        Assert.Equal(new Persisted(1, 6, 2), probe.ExpectMsg<Persisted>(timeout: Io));
        Assert.Equal("cmd:b:6", probe.ExpectMsg<string>(timeout: Io));
    }

    [ContractFact]
    public async Task PersistentActor_PersistHandlerAfterHeldWrite_SenderIsTheCommandsSender()
    {
        var (actor, probe) = Start(NewId("sender"));
        probe.ExpectMsg<Recovered>(timeout: Io);
        var client = CreateTestProbe();
        Journal.HoldWrites();
        client.Send(actor, new AddAndAck(3));
        await Journal.WriteHeld.Task.WaitAsync(Io);
        probe.Send(actor, "meanwhile");
        Journal.ReleaseWrites();

        Assert.Equal(new Ack(1), client.ExpectMsg<Ack>(timeout: Io));
        Assert.Equal(new Persisted(3, 3, 1), probe.ExpectMsg<Persisted>(timeout: Io));
        Assert.Equal("cmd:meanwhile:3", probe.ExpectMsg<string>(timeout: Io));
    }

    [ContractFact]
    public void PersistentActor_SnapshotThenMoreEvents_RecoversFromSnapshotPlusLaterEvents()
    {
        var id = NewId("snap");
        var (actor, probe) = Start(id);
        probe.ExpectMsg<Recovered>(timeout: Io);
        actor.Tell(new Add(1));
        actor.Tell(new Add(2));
        actor.Tell(new TakeSnapshot());
        probe.ExpectMsg<Persisted>(timeout: Io);
        probe.ExpectMsg<Persisted>(timeout: Io);
        Assert.Equal(new SaveSnapshotSuccess(new SnapshotMetadata(id, 2)), probe.ExpectMsg<SaveSnapshotSuccess>(timeout: Io));
        actor.Tell(new Add(4));
        probe.ExpectMsg<Persisted>(timeout: Io);
        Stop(actor, probe);

        var (_, probe2) = Start(id);
        Assert.Equal(new Recovered(7, 3, OfferedSnapshot: 2), probe2.ExpectMsg<Recovered>(timeout: Io));
    }

    [ContractFact]
    public async Task PersistentActor_NewestSnapshotCorrupt_RecoversFromOlderSnapshotPlusMoreEvents()
    {
        var id = NewId("corrupt");
        var (actor, probe) = Start(id);
        probe.ExpectMsg<Recovered>(timeout: Io);
        actor.Tell(new Add(1));
        actor.Tell(new TakeSnapshot());
        probe.ExpectMsg<Persisted>(timeout: Io);
        probe.ExpectMsg<SaveSnapshotSuccess>(timeout: Io);
        actor.Tell(new Add(10));
        actor.Tell(new TakeSnapshot());
        probe.ExpectMsg<Persisted>(timeout: Io);
        Assert.Equal(2, probe.ExpectMsg<SaveSnapshotSuccess>(timeout: Io).Metadata.SequenceNr);
        actor.Tell(new Add(100));
        probe.ExpectMsg<Persisted>(timeout: Io);
        Stop(actor, probe);

        // Same length, wrong bytes: only the checksum can tell.
        await ExecuteSqlAsync($"UPDATE {SnapshotsTable} SET payload = @blob WHERE persistence_id = @id AND sequence_nr = @seq",
            id, 2, Encoding.UTF8.GetBytes("{\"Sum\":99}"));

        var (_, probe2) = Start(id);
        Assert.Equal(new Recovered(111, 3, OfferedSnapshot: 1), probe2.ExpectMsg<Recovered>(timeout: Io));
        lock (Corruptions)
            Assert.Equal(2, Assert.Single(Corruptions).SequenceNr);
    }

    [ContractFact]
    public void PersistentActor_JournalWriteFails_CallsOnPersistFailureAndStops()
    {
        var id = NewId("fail");
        var (actor, probe) = Start(id);
        probe.ExpectMsg<Recovered>(timeout: Io);
        probe.Watch(actor);
        Journal.FailWritesWith = new IOException("disk full");
        actor.Tell(new Add(1));

        var (failed, terminated) = ExpectMsgAndTerminated<PersistFailed>(probe);
        Assert.Equal("disk full", failed.Cause.Message);
        Assert.Equal(new Added(1), failed.Event);
        Assert.Equal(1, failed.SequenceNr);
        Assert.Equal(actor, terminated.ActorRef);

        Journal.FailWritesWith = null;
        var (_, probe2) = Start(id);
        Assert.Equal(new Recovered(0, 0, null), probe2.ExpectMsg<Recovered>(timeout: Io));
    }

    [ContractFact]
    public void PersistentActor_ConcurrentWriterWithSameId_LoserStopsAndHistoryDoesNotFork()
    {
        var id = NewId("twin");
        var (first, probe1) = Start(id);
        var (second, probe2) = Start(id);
        probe1.ExpectMsg<Recovered>(timeout: Io);
        probe2.ExpectMsg<Recovered>(timeout: Io);
        probe2.Watch(second);

        first.Tell(new Add(1));
        Assert.Equal(new Persisted(1, 1, 1), probe1.ExpectMsg<Persisted>(timeout: Io));
        second.Tell(new Add(2));

        var (failed, terminated) = ExpectMsgAndTerminated<PersistFailed>(probe2);
        var conflict = Assert.IsType<JournalConcurrencyException>(failed.Cause);
        Assert.Equal((0L, 1L), (conflict.ExpectedSequenceNr, conflict.ActualSequenceNr));
        Assert.Equal(second, terminated.ActorRef);

        first.Tell(new Add(3));
        Assert.Equal(new Persisted(3, 4, 2), probe1.ExpectMsg<Persisted>(timeout: Io));
        var (_, probe3) = Start(id);
        Assert.Equal(new Recovered(4, 2, null), probe3.ExpectMsg<Recovered>(timeout: Io));
    }

    [ContractFact]
    public async Task PersistentActor_UnknownManifestInJournal_RecoveryFailsNamingIdAndSequenceNrAndStops()
    {
        var id = NewId("manifest");
        await Journal.WriteAsync(id, [
            new JournalEvent(1, typeof(Added).FullName + ", " + typeof(Added).Assembly.GetName().Name, "{\"Amount\":1}"u8.ToArray(), DateTimeOffset.UnixEpoch),
            new JournalEvent(2, "No.Such.Event, NoSuchAssembly", "{}"u8.ToArray(), DateTimeOffset.UnixEpoch),
        ], 0);

        var (actor, probe) = Start(id);
        probe.Watch(actor);

        var (failed, terminated) = ExpectMsgAndTerminated<RecoveryFailed>(probe);
        var recovery = Assert.IsType<PersistenceRecoveryException>(failed.Cause);
        Assert.Equal(id, recovery.PersistenceId);
        Assert.Contains($"'{id}'", recovery.Message);
        Assert.Contains("sequence number 2", recovery.Message);
        Assert.Contains("No.Such.Event, NoSuchAssembly", recovery.Message);
        Assert.Equal(actor, terminated.ActorRef);
    }

    [ContractFact]
    public void PersistentActor_CommandHandlerThrows_RestartsAndRecoversAgain()
    {
        var (actor, probe) = Start(NewId("restart"));
        probe.ExpectMsg<Recovered>(timeout: Io);
        actor.Tell(new Add(2));
        probe.ExpectMsg<Persisted>(timeout: Io);
        actor.Tell(new Boom());
        actor.Tell("after");

        Assert.Equal(new Recovered(2, 1, null), probe.ExpectMsg<Recovered>(timeout: Io));
        Assert.Equal("cmd:after:2", probe.ExpectMsg<string>(timeout: Io));
    }
}
