using ActorCodistill.Cluster.Bootstrap;
using ActorCodistill.Cluster.Remoting;
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
/// compiler-made type and is refused). The two that hold actor refs (RingMembers, SpawnWorker) change with the actors.
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

    [Fact]
    public void EveryControlMessageThatCrossesNodes_IsBoundToTheLockedDownSerializer()
    {
        var registry = TrainingSerializers.Register(new SerializerRegistry());
        CoordinatorSerializers.Register(registry);
        var control = registry.Serializers.Where(s => s.Manifest.StartsWith("codistill.", StringComparison.Ordinal)).Select(s => s.Type).ToList();
        Assert.True(control.Count >= 20, $"only {control.Count} control messages registered");
        Assert.All(control, t => Assert.True(typeof(IProductMessage).IsAssignableFrom(t), $"{t.Name} crosses nodes but is not an IProductMessage"));
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
        Assert.Equal(new SpawnRefused("cpu:9", 0, 1, 2, "no such device"), RoundTrip(new SpawnRefused("cpu:9", 0, 1, 2, "no such device")));
    }

    [Fact]
    public void TheJobSpec_RoundTripsWhole()
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
        // The spec travels inside SpawnWorker; with Akka refs that message changes, the spec does not.
        var back = RoundTrip(new StepPlanCarrier(spec)).Spec;
        Assert.Equal(spec.Failures, back.Failures);
        Assert.Equal([8, 4], back.Ctr.Hidden);
        Assert.Equal(spec.TaskSettings, back.TaskSettings);
        Assert.Equal(spec with { Ctr = back.Ctr, TaskSettings = back.TaskSettings }, back);
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
