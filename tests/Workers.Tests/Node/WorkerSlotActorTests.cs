using ActorCodistill.Workers.Actors;
using ActorCodistill.Workers.Node;
using ActorCodistill.Workers.Training;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.TestKit;

namespace ActorCodistill.Workers.Tests.Node;

/// <summary>
/// The worker slot entity's contract with the seed's placement and the shard it lives in (issue 17): each incarnation
/// starts once, a newer one waits for the older to stop, a released slot gives its device back and passivates, a
/// drained or full node starts nothing and says "ask again", and a hand-off never cuts a worker short before its
/// group releases it (unless the grace runs out). Workers here are stand-ins that report their lives to a probe.
/// </summary>
public sealed class WorkerSlotActorTests : Akka.TestKit.Xunit2.TestKit
{
    private sealed record Life(string Event, int Generation);

    /// <summary>A stand-in worker: reports start and stop, stops on StopWorker, throws on "boom".</summary>
    private sealed class StandInWorker : ReceiveActor
    {
        private readonly IActorRef _probe;
        private readonly int _generation;

        public StandInWorker(IActorRef probe, int generation)
        {
            _probe = probe;
            _generation = generation;
            Receive<StopWorker>(_ => Context.Stop(Self));
            Receive<string>(s => s == "boom", _ => throw new InvalidOperationException("boom"));
        }

        protected override void PreStart() => _probe.Tell(new Life("started", _generation));

        protected override void PostStop() => _probe.Tell(new Life("stopped", _generation));
    }

    /// <summary>Stands in for the shard: tells a probe of a passivation and answers it with the entity's stop message.</summary>
    private sealed class ShardStandIn : ReceiveActor
    {
        public ShardStandIn(Props entity, IActorRef probe)
        {
            var child = Context.ActorOf(entity, "g0-s1");
            Receive<Passivate>(p =>
            {
                probe.Tell(p);
                Sender.Tell(p.StopMessage);
            });
            Receive<string>(s => s == "child", _ => Sender.Tell(child));
        }
    }

    private readonly TestProbe _lives;
    private readonly TestProbe _shard;
    private readonly TestProbe _group;

    public WorkerSlotActorTests() : base("akka.loglevel = WARNING")
    {
        _lives = CreateTestProbe();
        _shard = CreateTestProbe();
        _group = CreateTestProbe();
    }

    private static JobSpec Spec(int steps = 100) =>
        new("ctr", 2, 2, steps, 10, 5, TopologyKind.Ring, DistillSpec.Default, false, 7, 10, new OptimizerSpec("adagrad", 0.05),
            new LmModelSpec(320, 16, 32, 2, true, 0), new CtrModelSpec(64, 4, [8, 4]),
            new DataSpec("criteo", "/data/x.tsv", "", 0.1, "disjoint", 300, "/tmp/bpe.txt", 64, 8, 4), 1, 2);

    private SpawnWorker Spawn(int generation, JobSpec? spec = null) => new(spec ?? Spec(), 0, 1, generation, _group.Ref);

    private IActorRef Slot(DevicePool pool, TimeSpan? grace = null)
    {
        var lives = _lives.Ref;
        var entity = WorkerSlotActor.Props(pool, (spawn, _) => Props.Create(() => new StandInWorker(lives, spawn.Generation)), grace ?? TimeSpan.FromSeconds(30));
        var shard = Sys.ActorOf(Props.Create(() => new ShardStandIn(entity, _shard.Ref)));
        return shard.Ask<IActorRef>("child", TimeSpan.FromSeconds(3)).Result;
    }

    private IActorRef RunningWorker(IActorRef slot, int generation)
    {
        var worker = Sys.ActorSelection(slot.Path / $"worker-{generation}").ResolveOne(TimeSpan.FromSeconds(3)).Result;
        return worker;
    }

    [Fact]
    public void AnIncarnationStartsOnce_ASpawnSentAgainIsAnsweredAgain_AndAnOlderOneIsIgnored()
    {
        var pool = new DevicePool(["cpu:0", "cpu:1"]);
        var slot = Slot(pool);
        slot.Tell(Spawn(3), TestActor);
        var started = ExpectMsg<WorkerStarted>();
        Assert.Equal((0, 1, 3), (started.Group, started.Slot, started.Generation));
        Assert.Equal(new Life("started", 3), _lives.ExpectMsg<Life>());
        Assert.Contains($"{started.Device}=g0-s1", pool.Describe());

        slot.Tell(Spawn(3), TestActor);
        Assert.Equal(started, ExpectMsg<WorkerStarted>());
        slot.Tell(Spawn(2), TestActor);
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        _lives.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void ANewerIncarnation_StartsOnTheSameDevice_OnlyAfterTheOlderHasStopped()
    {
        var pool = new DevicePool(["cpu:0", "cpu:1"]);
        var slot = Slot(pool);
        slot.Tell(Spawn(0), TestActor);
        var first = ExpectMsg<WorkerStarted>();
        _lives.ExpectMsg(new Life("started", 0));

        slot.Tell(Spawn(1), TestActor);
        _lives.ExpectMsg(new Life("stopped", 0));
        _lives.ExpectMsg(new Life("started", 1));
        Assert.Equal(new WorkerStopped(first.Device, 0, 1, 0), ExpectMsg<WorkerStopped>());
        Assert.Equal(new WorkerStarted(first.Device, 0, 1, 1), ExpectMsg<WorkerStarted>());
        _shard.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void AReleasedWorker_GivesItsDeviceBack_AndTheSlotPassivates()
    {
        var pool = new DevicePool(["cpu:0"]);
        var slot = Slot(pool);
        Watch(slot);
        slot.Tell(Spawn(0), TestActor);
        var started = ExpectMsg<WorkerStarted>();
        _lives.ExpectMsg(new Life("started", 0));

        // The group releases it (fenced, drained, job over).
        RunningWorker(slot, 0).Tell(new StopWorker("the job is done"));
        Assert.Equal(new WorkerStopped(started.Device, 0, 1, 0), ExpectMsg<WorkerStopped>());
        _shard.ExpectMsg<Passivate>();
        ExpectTerminated(slot);
        Assert.Equal("cpu:0=free", pool.Describe());
    }

    [Fact]
    public void OnADrainedOrFullNode_NothingStarts_AndThePlacementIsToldToAskAgain()
    {
        var drained = new DevicePool(["cpu:0"]);
        drained.MarkDrained("drained by an operator");
        Slot(drained).Tell(Spawn(0), TestActor);
        var refused = ExpectMsg<SpawnRefused>();
        Assert.True(refused.Retry);
        Assert.Contains("drained", refused.Reason);
        _shard.ExpectMsg<Passivate>();

        var full = new DevicePool(["cpu:0"]);
        Assert.Equal("cpu:0", full.Lease("g5-s0"));
        Slot(full).Tell(Spawn(0), TestActor);
        refused = ExpectMsg<SpawnRefused>();
        Assert.True(refused.Retry);
        Assert.Contains("no free device on this node (cpu:0=g5-s0)", refused.Reason);
        _lives.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void AnInvalidSpec_IsRefusedForGood()
    {
        Slot(new DevicePool(["cpu:0"])).Tell(Spawn(0, Spec(steps: 0)), TestActor);
        var refused = ExpectMsg<SpawnRefused>();
        Assert.False(refused.Retry);
        Assert.StartsWith("invalid job spec:", refused.Reason);
    }

    [Fact]
    public void AHandOff_WaitsForTheGroupToReleaseTheWorker_ThenTheSlotStops()
    {
        var pool = new DevicePool(["cpu:0"]);
        var slot = Slot(pool);
        Watch(slot);
        slot.Tell(Spawn(0), TestActor);
        ExpectMsg<WorkerStarted>();
        _lives.ExpectMsg(new Life("started", 0));

        slot.Tell(SlotHandOff.Instance);
        // Mid-step: nothing is cut short, and a request meanwhile is told to come again (the slot is moving).
        _lives.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
        slot.Tell(Spawn(1), TestActor);
        Assert.True(ExpectMsg<SpawnRefused>().Retry);

        RunningWorker(slot, 0).Tell(new StopWorker("its node is drained"));
        _lives.ExpectMsg(new Life("stopped", 0));
        ExpectMsg<WorkerStopped>();
        ExpectTerminated(slot);
        AwaitAssert(() => Assert.Equal("cpu:0=free", pool.Describe()), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public void AHandOff_StopsTheWorkerItself_WhenItsGroupDoesNotReleaseItWithinTheGrace()
    {
        var slot = Slot(new DevicePool(["cpu:0"]), grace: TimeSpan.FromMilliseconds(400));
        Watch(slot);
        slot.Tell(Spawn(0), TestActor);
        ExpectMsg<WorkerStarted>();
        _lives.ExpectMsg(new Life("started", 0));
        slot.Tell(SlotHandOff.Instance);
        _lives.ExpectMsg(new Life("stopped", 0), TimeSpan.FromSeconds(5));
        ExpectMsg<WorkerStopped>();
        ExpectTerminated(slot);
    }

    [Fact]
    public void AWorkerWhoseGroupIsGone_IsStopped_AndOneThatThrows_IsStoppedForItsGroupToReplace()
    {
        var slot = Slot(new DevicePool(["cpu:0"]));
        slot.Tell(Spawn(0), TestActor);
        ExpectMsg<WorkerStarted>();
        _lives.ExpectMsg(new Life("started", 0));
        RunningWorker(slot, 0).Tell("boom");
        _lives.ExpectMsg(new Life("stopped", 0));
        ExpectMsg<WorkerStopped>();

        var next = Slot(new DevicePool(["cpu:0"]));
        next.Tell(Spawn(1), TestActor);
        ExpectMsg<WorkerStarted>();
        _lives.ExpectMsg(new Life("started", 1));
        Sys.Stop(_group.Ref);
        _lives.ExpectMsg(new Life("stopped", 1));
        ExpectMsg<WorkerStopped>();
    }
}
