using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.Remoting;
using ActorCodistill.Workers.Actors;
using ActorCodistill.Workers.Node;
using ActorCodistill.Workers.Remote;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Workers.Tests.Remote;

/// <summary>Every training message that crosses nodes survives its wire format: JSON records and bulk tensors alike.</summary>
[Trait("Category", "Unit")]
public sealed class TrainingSerializersTests : IDisposable
{
    private readonly ActorSystem _system = ActorSystem.Create("serializers-test");
    private readonly SerializerRegistry _registry = TrainingSerializers.Register(new SerializerRegistry());
    private readonly PathRefs _refs = new();

    /// <summary>Refs by path: what a receiving node's remoting does, without sockets.</summary>
    private sealed class PathRefs : IRemoteRefContext
    {
        private readonly Dictionary<string, IActorRef> _byPath = new();

        public string PathOf(IActorRef? actorRef)
        {
            if (actorRef is null) return "";
            var path = actorRef.Path.ToString();
            _byPath[path] = actorRef;
            return path;
        }

        public IActorRef? RefOf(string path) => path.Length == 0 ? null : _byPath[path];
    }

    public void Dispose() => _system.Terminate().Wait(TimeSpan.FromSeconds(10));

    private IActorRef Ref(string name) => _system.ActorOf(Props.Create(() => new Sink()), name);

    private sealed class Sink : ReceiveActor
    {
        public Sink() => ReceiveAny(_ => { });
    }

    private T Json<T>(T message) where T : notnull
    {
        var (manifest, payload) = _registry.Serialize(message, _refs, "test");
        return Assert.IsType<T>(_registry.Deserialize(manifest, payload, _refs));
    }

    private T Bulk<T>(T message) where T : notnull
    {
        var serializer = _registry.BulkSerializers.Single(s => s.Type == typeof(T));
        var parts = serializer.ToBulk(message, _refs);
        // The receiver's buffer is pooled and reused: copy it and scribble over the original after reading.
        var payload = parts.Payload.ToArray();
        var result = Assert.IsType<T>(serializer.FromBulk(parts.Metadata, payload, _refs));
        Array.Fill(payload, (byte)0xAB);
        return result;
    }

    [Fact]
    public void ControlRecords_RoundTripAsJson_WithRefsNaNAndDictionaries()
    {
        var a = Ref("a");
        var b = Ref("b");
        var ring = Json(new RingMembers(3, [a, b], [0, 2]));
        Assert.Equal(3, ring.Epoch);
        Assert.Equal([a, b], ring.Members);
        Assert.Equal([0, 2], ring.Slots);

        var plan = new StepPlan(17, 3, true, new DistillSpec(DistillLoss.KlDivergence, 0.5, 2.0), new Dictionary<int, long> { [1] = 15, [2] = 10 },
            ExportCheckpoint: true, Evaluate: false, CollectPredictions: true);
        var planBack = Json(plan);
        Assert.Equal(plan with { TeacherSteps = planBack.TeacherSteps }, planBack);
        Assert.Equal(plan.TeacherSteps, planBack.TeacherSteps);

        var done = Json(new StepDone(9, 2, 1, new StepLosses(double.NaN, double.NaN, 0, 0), 0.1, 0.2, 1234, false, null,
            new Dictionary<int, long> { [0] = -3 }, new PredictionSet([1f, 2f], [0.5f, 0.25f], false)));
        Assert.True(double.IsNaN(done.Losses.Loss));
        Assert.Equal(-3, done.TeacherAges[0]);
        Assert.Equal([0.5f, 0.25f], done.Predictions!.TrueLabelProbability);

        Assert.Equal(new WorkerReady(1, 4, 1000, 50), Json(new WorkerReady(1, 4, 1000, 50)));
        Assert.Equal(new WorkerAlive(1, 4, 7, 50), Json(new WorkerAlive(1, 4, 7, 50)));
        Assert.Equal(new StepLosses(2.5, 2.0, 0.5, 64), Json(new WorkerAlive(1, 4, 7, 50, new StepLosses(2.5, 2.0, 0.5, 64))).Computed);
        var missing = Json(new TeacherCopiesMissing(1, 4, 7, 50, [0, 2]));
        Assert.Equal((1, 4, 7, 50L), (missing.Slot, missing.Generation, missing.Epoch, missing.Step));
        Assert.Equal([0, 2], missing.Groups);
        var lost = new AllreduceChunkLost(1, 4, 7, 50, "a chunk from slot 1 to act://codistill@10.0.0.6:4061/user/w was not delivered");
        Assert.Equal(lost, Json(lost));
        Assert.Equal(new ProbeWorker(7), Json(new ProbeWorker(7)));
        Assert.Equal(new ExportState(5), Json(new ExportState(5)));
        Assert.Equal(new ExportState(6, CarriedOnly: true), Json(new ExportState(6, CarriedOnly: true)));
        Assert.Equal(new StopWorker("fenced"), Json(new StopWorker("fenced")));
        Assert.Equal(new WorkerStarted("cpu:1", 0, 1, 2), Json(new WorkerStarted("cpu:1", 0, 1, 2)));
        Assert.Equal(new WorkerStopped("cpu:1", 0, 1, 2), Json(new WorkerStopped("cpu:1", 0, 1, 2)));
        Assert.Equal(new SpawnRefused("cpu:9", 0, 1, 2, "no such device"), Json(new SpawnRefused("cpu:9", 0, 1, 2, "no such device")));
    }

    [Fact]
    public void SpawnWorker_CarriesTheWholeJobSpec_IncludingFailureSettings()
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
        var group = Ref("group");
        var back = Json(new SpawnWorker(spec, 1, 0, 3, "cpu:0", group));
        Assert.Equal(group, back.GroupRef);
        Assert.Equal(spec.Failures, back.Spec.Failures);
        Assert.Equal(96, back.Spec.AllreduceSegmentKiB);
        Assert.Equal(ReloadMode.Exact, back.Spec.ReloadMode);
        Assert.Equal(384L << 20, back.Spec.HostCacheBytes);
        Assert.Equal([8, 4], back.Spec.Ctr.Hidden);
        Assert.Equal(spec.TaskSettings, back.Spec.TaskSettings);
        Assert.Equal(TeacherPrecision.BFloat16, back.Spec.TeacherPrecision);
        Assert.Equal(spec with { Ctr = back.Spec.Ctr, TaskSettings = back.Spec.TaskSettings }, back.Spec);
    }

    [Fact]
    public void TensorMessages_RoundTripOnTheBulkChannel_BitForBit()
    {
        var random = new Random(4);
        var floats = Enumerable.Range(0, 1001).Select(_ => (float)random.NextDouble() - 0.5f).Append(float.NaN).ToArray();
        var halves = floats.Select(f => (Half)f).ToArray();
        var optimizer = Enumerable.Range(0, 77).Select(i => (byte)(i * 7)).ToArray();

        var chunk = Bulk(new AllreduceChunk(12, 3, new RingChunk(1, 2, floats.AsMemory(5, 300)) { Segment = 4 }));
        Assert.Equal((12L, 3, 1, 2, 4), (chunk.Step, chunk.Epoch, chunk.Chunk.Phase, chunk.Chunk.Chunk, chunk.Chunk.Segment));
        Assert.Equal(floats[5..305], chunk.Chunk.Data.ToArray());

        var teacher = new TeacherCheckpoint(1, 50, halves);
        Assert.Equal(halves, Bulk(new LoadTeacher(teacher)).Checkpoint.Weights.ToArray());
        Assert.Equal((1, 50L), (Bulk(new CheckpointExported(teacher)).Checkpoint.Group, Bulk(new CheckpointExported(teacher)).Checkpoint.Step));
        Assert.Equal(halves, Bulk(new TeacherCheckpointArrived(teacher)).Checkpoint.Weights.ToArray());

        var state = Bulk(new WorkerState(1, 40, floats, optimizer, 9));
        Assert.Equal((1, 40L, 9), (state.Slot, state.AppliedStep, state.RequestId));
        Assert.Equal(floats, state.Parameters);
        Assert.Equal(optimizer, state.OptimizerState);
        Assert.Null(state.Carried);
        var restore = Bulk(new RestoreState(new WorkerState(0, 41, floats, [], 0)));
        Assert.Equal(floats, restore.State.Parameters);
        Assert.Empty(restore.State.OptimizerState);
        Assert.Null(restore.State.Carried);

        // Carried state after the optimizer state: given (bits kept, NaN included), given empty (drop it), or carried-only.
        var carried = floats[..64];
        var withCarried = Bulk(new WorkerState(1, 40, floats, optimizer, 9, carried));
        Assert.Equal(floats, withCarried.Parameters);
        Assert.Equal(optimizer, withCarried.OptimizerState);
        Assert.Equal(carried, withCarried.Carried);
        Assert.Equal(Array.Empty<float>(), Bulk(new RestoreState(new WorkerState(0, 41, floats, optimizer, 0, []))).State.Carried);
        var teachers = new TeachersAtStep(new Dictionary<int, TeacherCarry> { [1] = new(36, floats[..10]) }, Prefetched: true);
        var restored = Bulk(new RestoreState(new WorkerState(0, 41, floats, optimizer, 0, carried, teachers), [teacher]));
        Assert.Equal(carried, restored.State.Carried);
        Assert.True(restored.State.Teachers!.Prefetched);
        Assert.Equal(36L, restored.State.Teachers.ByGroup[1].CopyStep);
        Assert.Equal(floats[..10], restored.State.Teachers.ByGroup[1].Carried);
        Assert.Equal(halves, Assert.Single(restored.TeacherCopies!).Weights.ToArray());
        Assert.Null(restore.TeacherCopies);
        var recovery = Bulk(new StepRecovery(1, 3, 36, new MemberRecovery(carried, teachers)));
        Assert.Equal((1, 3, 36L), (recovery.Slot, recovery.Generation, recovery.Step));
        Assert.Equal(carried, recovery.Recovery.Carried);
        Assert.Equal(floats[..10], recovery.Recovery.Teachers!.ByGroup[1].Carried);
        var carriedOnly = Bulk(new WorkerState(2, 44, [], [], 3, floats));
        Assert.Equal((2, 44L, 3), (carriedOnly.Slot, carriedOnly.AppliedStep, carriedOnly.RequestId));
        Assert.Equal((0, 0), (carriedOnly.Parameters.Length, carriedOnly.OptimizerState.Length));
        Assert.Equal(floats, carriedOnly.Carried);
    }

    [Fact]
    public void EveryMessageMarkedAsCarryingATensor_GoesOnTheBulkChannel()
    {
        var marked = typeof(IBulkTrainingMessage).Assembly.GetTypes()
            .Where(t => typeof(IBulkTrainingMessage).IsAssignableFrom(t) && !t.IsInterface).ToList();
        Assert.NotEmpty(marked);
        Assert.All(marked, t => Assert.True(_registry.IsBulk(t), $"{t.Name} carries a tensor but is not registered for the bulk channel"));
    }

    [Fact]
    public void WorkerState_WithAPayloadShorterThanItsMetadata_IsAFormatError()
    {
        var serializer = _registry.BulkSerializers.Single(s => s.Type == typeof(WorkerState));
        var parts = serializer.ToBulk(new WorkerState(1, 40, new float[100], new byte[10], 0), _refs);
        var e = Assert.Throws<FormatException>(() => serializer.FromBulk(parts.Metadata, parts.Payload[..200], _refs));
        Assert.Contains("codistill.worker-state", e.Message);

        // Weights and optimizer state whole, the carried state cut short.
        parts = serializer.ToBulk(new WorkerState(1, 40, new float[100], new byte[10], 0, new float[8]), _refs);
        e = Assert.Throws<FormatException>(() => serializer.FromBulk(parts.Metadata, parts.Payload[..^4], _refs));
        Assert.Contains("codistill.worker-state", e.Message);
    }
}
