using ActorCodistill.Cluster.Bootstrap;
using ActorCodistill.Cluster.Serialization;
using ActorCodistill.Coordinator.Distributed;
using ActorCodistill.Coordinator.Job;
using ActorCodistill.Workers.Actors;
using ActorCodistill.Workers.Node;
using ActorCodistill.Workers.Remote;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Tests.Distributed;

/// <summary>
/// The control messages that cross nodes, through Akka's serialization as the product configures it (issue 17:
/// Hyperion with the product's type filter, docs/akka.md). Every message the own runtime sends as a control message is
/// bound to that serializer, and each round-trips with its collections, dictionaries, NaN and nested records, so the move
/// onto Akka.Remote meets no type the filter refuses (a collection expression typed IReadOnlyList, for one, is a
/// compiler-made type and is refused). The two that hold actor refs (RingMembers, SpawnWorker) carry them as Akka's ref surrogates.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ControlMessagesOnAkkaTests : IDisposable
{
    private readonly Akka.Actor.ActorSystem _system =
        Akka.Actor.ActorSystem.Create("codistill", AkkaNode.Configuration(new AkkaNodeOptions("codistill", Roles: ["seed"])));

    public void Dispose() => _system.Terminate().Wait(TimeSpan.FromSeconds(10));

    private T RoundTrip<T>(T message) where T : notnull
    {
        var serializer = _system.Serialization.FindSerializerFor(message);
        Assert.IsType<ProductMessageSerializer>(serializer);
        var bytes = serializer.ToBinary(message);
        return Assert.IsType<T>(_system.Serialization.Deserialize(bytes, serializer.Identifier, typeof(T)));
    }

    // Every message that crosses nodes over Akka.Remote (the data plane carries the IBulkTrainingMessage ones): group <->
    // worker, seed placement <-> worker host, ctl <-> the seed's job.
    private static readonly Type[] CrossNodes =
    [
        typeof(RingMembers), typeof(StepPlan), typeof(ProbeWorker), typeof(ExportState), typeof(StopWorker), typeof(WorkerReady),
        typeof(WorkerAlive), typeof(TeacherCopiesMissing), typeof(AllreduceChunkLost), typeof(StepDone), typeof(SpawnWorker),
        typeof(SpawnRefused), typeof(WorkerStarted), typeof(WorkerStopped), typeof(ChangeTopology), typeof(ChangeReloadInterval),
        typeof(DrainWorkerNode), typeof(ChangeDistillWeight), typeof(StopJob), typeof(DrainNode), typeof(GetStatus), typeof(JobStatus), typeof(ReconfigureResult),
    ];

    [Fact]
    public void EveryControlMessageThatCrossesNodes_IsBoundToTheLockedDownSerializer()
    {
        Assert.All(CrossNodes, t => Assert.True(typeof(IProductMessage).IsAssignableFrom(t), $"{t.Name} crosses nodes but is not an IProductMessage"));
        Assert.All(CrossNodes, t => Assert.IsType<ProductMessageSerializer>(_system.Serialization.FindSerializerForType(t)));
        // And none that carries a tensor goes over Akka.Remote.
        Assert.All(CrossNodes, t => Assert.False(typeof(IBulkTrainingMessage).IsAssignableFrom(t), $"{t.Name} carries a tensor"));
    }

    [Fact]
    public void TheMessagesWithActorRefs_RoundTripWithTheRefs()
    {
        var a = _system.ActorOf(Akka.Actor.Props.Empty, "worker-a");
        var b = _system.ActorOf(Akka.Actor.Props.Empty, "worker-b");
        var ring = RoundTrip(new RingMembers(4, new[] { a, b }, new[] { 1, 0 }));
        Assert.Equal([a, b], ring.Members);
        Assert.Equal([1, 0], ring.Slots);
        var listed = RoundTrip(new RingMembers(5, new List<Akka.Actor.IActorRef> { b }, [0]));
        Assert.Equal([b], listed.Members);
        var spawn = RoundTrip(new SpawnWorker(TinySpec(), 1, 0, 3, a));
        Assert.Equal(a, spawn.GroupRef);
        Assert.Equal((1, 0, 3), (spawn.Group, spawn.Slot, spawn.Generation));
    }

    [Fact]
    public void Ctl_RunsAtLogLevelWarning_UnlessTheUserSetsOne()
    {
        var quiet = ActorCodistill.Cluster.Configuration.ActorSystemSettings.From(
            ActorCodistill.Cluster.Configuration.ConfigLoader.Load(null, CtlCommand.ClientOverrides(new Dictionary<string, string?>())));
        Assert.Equal(ActorCodistill.Cluster.Configuration.ActorLogLevel.Warning, quiet.LogLevel);
        var chosen = CtlCommand.ClientOverrides(new Dictionary<string, string?> { ["actor.log-level"] = "debug" });
        Assert.Equal("debug", chosen["actor.log-level"]);
    }

    [Fact]
    public void ScheduledChanges_CarryTheirStep_OrNone()
    {
        Assert.Null(RoundTrip(new ChangeDistillWeight(0.5)).AtStep);
        Assert.Equal(new ReconfigureResult(true, "reload interval changes to 25 at step 151", 151),
            RoundTrip(new ReconfigureResult(true, "reload interval changes to 25 at step 151", 151)));
    }

    [Fact]
    public void TrainingControlMessages_RoundTrip()
    {
        var plan = new StepPlan(17, 3, true, new DistillSpec(DistillLoss.KlDivergence, 0.5, 2.0), new Dictionary<int, long> { [1] = 15, [2] = 10 },
            ExportCheckpoint: true, Evaluate: false, CollectPredictions: true);
        var planBack = RoundTrip(plan);
        Assert.Equal(plan.TeacherSteps, planBack.TeacherSteps);
        Assert.Equal(plan with { TeacherSteps = planBack.TeacherSteps }, planBack);

        var done = RoundTrip(new StepDone(9, 2, 1, new StepLosses(double.NaN, double.NaN, 0, 0), 0.1, 0.2, 1234, false, null,
            new Dictionary<int, long> { [0] = -3 }, new PredictionSet([1f, 2f], [0.5f, 0.25f], false)));
        Assert.True(double.IsNaN(done.Losses.Loss));
        Assert.Equal(-3, done.TeacherAges[0]);
        Assert.Equal([0.5f, 0.25f], done.Predictions!.TrueLabelProbability);

        Assert.Equal(new WorkerReady(1, 4, 1000, 50), RoundTrip(new WorkerReady(1, 4, 1000, 50)));
        Assert.Equal(new StepLosses(2.5, 2.0, 0.5, 64), RoundTrip(new WorkerAlive(1, 4, 7, 50, new StepLosses(2.5, 2.0, 0.5, 64))).Computed);
        Assert.Equal([0, 2], RoundTrip(new TeacherCopiesMissing(1, 4, 7, 50, new[] { 0, 2 })).Groups);
        var lost = new AllreduceChunkLost(1, 4, 7, 50, "a chunk from slot 1 was not delivered");
        Assert.Equal(lost, RoundTrip(lost));
        Assert.Equal(new ProbeWorker(7), RoundTrip(new ProbeWorker(7)));
        Assert.Equal(new ExportState(6, CarriedOnly: true), RoundTrip(new ExportState(6, CarriedOnly: true)));
        Assert.Equal(new StopWorker("fenced"), RoundTrip(new StopWorker("fenced")));
        Assert.Equal(new WorkerStarted("cpu:1", 0, 1, 2), RoundTrip(new WorkerStarted("cpu:1", 0, 1, 2)));
        Assert.Equal(new WorkerStopped("cpu:1", 0, 1, 2), RoundTrip(new WorkerStopped("cpu:1", 0, 1, 2)));
        Assert.Equal(new SpawnRefused("cpu:9", 0, 1, 2, "no free device", true), RoundTrip(new SpawnRefused("cpu:9", 0, 1, 2, "no free device", true)));
        Assert.Equal(new DrainWorkerNode("akka.ssl.tcp://codistill@10.0.0.7:4061", "drained by an operator"), RoundTrip(new DrainWorkerNode("akka.ssl.tcp://codistill@10.0.0.7:4061", "drained by an operator")));
    }

    [Fact]
    public void TheJobSpec_RoundTripsWhole()
    {
        var spec = TinySpec();
        var back = RoundTrip(new StepPlanCarrier(spec)).Spec;
        Assert.Equal(spec.Failures, back.Failures);
        Assert.Equal([8, 4], back.Ctr.Hidden);
        Assert.Equal(spec.TaskSettings, back.TaskSettings);
        Assert.Equal(spec with { Ctr = back.Ctr, TaskSettings = back.TaskSettings }, back);
    }

    private static JobSpec TinySpec()
    {
        var spec = new JobSpec("ctr", 3, 2, 100, 10, 5, TopologyKind.Ring, DistillSpec.Default, false, 7, 10, new OptimizerSpec("adagrad", 0.05),
            new LmModelSpec(320, 16, 32, 2, true, 0), new CtrModelSpec(64, 4, [8, 4]),
            new DataSpec("criteo", "/data/x.tsv", "", 0.1, "disjoint", 300, "/tmp/bpe.txt", 64, 8, 4), 1, 2)
        {
            Failures = new FailureSpec(2, TimeSpan.FromSeconds(7), TimeSpan.FromMilliseconds(1500), 25, 3, TimeSpan.FromMilliseconds(1250)),
            AllreduceSegmentKiB = 96,
            ReloadMode = ReloadMode.Exact,
            HostCacheBytes = 384L << 20,
            TaskSettings = new Dictionary<string, string> { ["d-model"] = "64", ["layers.sizes"] = "a b" },
            TeacherPrecision = TeacherPrecision.BFloat16,
        };
        return spec;
    }

    [Fact]
    public void CtlMessagesAndTheJobStatus_RoundTrip()
    {
        Assert.Equal(new ChangeTopology(TopologyKind.Ring, 120), RoundTrip(new ChangeTopology(TopologyKind.Ring, 120)));
        Assert.Equal(new ChangeReloadInterval(25, 151), RoundTrip(new ChangeReloadInterval(25, 151)));
        Assert.Equal(new ChangeDistillWeight(12, null, Confirmed: true), RoundTrip(new ChangeDistillWeight(12, null, Confirmed: true)));
        Assert.Equal(new DrainNode("akka.tcp://codistill@10.0.0.6:4061"), RoundTrip(new DrainNode("akka.tcp://codistill@10.0.0.6:4061")));
        Assert.Equal(new StopJob("operator"), RoundTrip(new StopJob("operator")));
        Assert.IsType<GetStatus>(RoundTrip(new GetStatus()));
        var status = new JobStatus("job-1", JobPhase.Distilling, TopologyKind.AllToAll, 50, 0.5, new Dictionary<int, long> { [0] = 120, [1] = 118 }, 300,
            new[] { "step 100: group 0 regrouped" })
        {
            Placement = new[] { "group-0/worker-0 on node-a cpu:0" },
            GroupMembers = new Dictionary<int, int> { [0] = 2, [1] = 2 },
        };
        var back = RoundTrip(status);
        Assert.Equal(status.GroupSteps, back.GroupSteps);
        Assert.Equal(status.RecentEvents, back.RecentEvents);
        Assert.Equal(status.Placement, back.Placement);
        Assert.Equal(status.GroupMembers, back.GroupMembers);
        Assert.Equal((status.JobId, status.Phase, status.Topology, status.ReloadInterval), (back.JobId, back.Phase, back.Topology, back.ReloadInterval));
    }
}

/// <summary>A JobSpec in a product message, as SpawnWorker carries it.</summary>
public sealed record StepPlanCarrier(JobSpec Spec) : IProductMessage;
