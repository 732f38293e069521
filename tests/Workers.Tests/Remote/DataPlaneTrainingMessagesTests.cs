using ActorCodistill.Cluster.Bootstrap;
using ActorCodistill.Cluster.Remote;
using ActorCodistill.Workers.Actors;
using ActorCodistill.Workers.Remote;
using ActorCodistill.Workers.Training;
using Akka.Actor;
using Akka.Configuration;
using Xunit.Abstractions;
using Plane = ActorCodistill.Cluster.DataPlane.DataPlane;

namespace ActorCodistill.Workers.Tests.Remote;

/// <summary>
/// Every training message that carries a tensor crosses two Akka.NET ActorSystems on the data plane
/// (TrainingSerializers.Codecs, the codecs the own runtime's bulk channel also runs) bit for bit, allreduce chunks and
/// teacher copies received straight into the arrays they keep; a chunk whose metadata does not match its bytes is
/// dropped and the next one arrives (issue 17).
/// </summary>
[Trait("Category", "MultiNode")]
public sealed class DataPlaneTrainingMessagesTests : Akka.TestKit.Xunit2.TestKit, IAsyncLifetime
{
    private const string Secret = "training-data-plane-secret-0123456789";
    private readonly ActorSystem _sender;

    public DataPlaneTrainingMessagesTests(ITestOutputHelper output)
        : base(Node(), "codistill", output)
    {
        Plane.Start(Sys, Settings(), TrainingSerializers.Codecs());
        _sender = ActorSystem.Create("codistill", Node());
        Plane.Start(_sender, Settings(), TrainingSerializers.Codecs());
    }

    private static Config Node() => AkkaNode.Configuration(new AkkaNodeOptions("codistill", Roles: ["worker"]));

    private static RemoteSettings Settings() => new()
    {
        Secret = Secret,
        Hostname = "127.0.0.1",
        Port = 0,
        MaxFrameSize = 256 * 1024,
        BulkChunkSize = 64 * 1024,
        BulkWindow = 8,
    };

    private T RoundTrip<T>(T message) where T : notnull
    {
        var target = ((ExtendedActorSystem)_sender).Provider.ResolveActorRef(TestActor.Path.ToSerializationFormatWithAddress(AkkaNode.AddressOf(Sys)));
        Plane.Get(_sender).Tell(target, message);
        return ExpectMsg<T>(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public void TensorMessages_CrossTwoActorSystems_BitForBit()
    {
        var random = new Random(4);
        var floats = Enumerable.Range(0, 300_001).Select(_ => (float)random.NextDouble() - 0.5f).Append(float.NaN).ToArray();
        var halves = floats.Select(f => (Half)f).ToArray();
        var optimizer = Enumerable.Range(0, 77).Select(i => (byte)(i * 7)).ToArray();

        var chunk = RoundTrip(new AllreduceChunk(12, 3, new RingChunk(1, 2, floats.AsMemory(5, 200_000)) { Segment = 4 }));
        Assert.Equal((12L, 3, 1, 2, 4), (chunk.Step, chunk.Epoch, chunk.Chunk.Phase, chunk.Chunk.Chunk, chunk.Chunk.Segment));
        Assert.Equal(floats[5..200_005], chunk.Chunk.Data.ToArray());

        var teacher = new TeacherCheckpoint(1, 50, halves);
        Assert.Equal(halves, RoundTrip(new LoadTeacher(teacher)).Checkpoint.Weights.ToArray());
        var exported = RoundTrip(new CheckpointExported(teacher)).Checkpoint;
        Assert.Equal((1, 50L), (exported.Group, exported.Step));
        Assert.Equal(halves, RoundTrip(new TeacherCheckpointArrived(teacher)).Checkpoint.Weights.ToArray());

        var carried = floats[..64];
        var teachers = new TeachersAtStep(new Dictionary<int, TeacherCarry> { [1] = new(36, floats[..10]) }, Prefetched: true);
        var state = RoundTrip(new WorkerState(1, 40, floats, optimizer, 9, carried, teachers));
        Assert.Equal((1, 40L, 9), (state.Slot, state.AppliedStep, state.RequestId));
        Assert.Equal(floats, state.Parameters);
        Assert.Equal(optimizer, state.OptimizerState);
        Assert.Equal(carried, state.Carried);
        Assert.Equal(floats[..10], state.Teachers!.ByGroup[1].Carried);
        var restored = RoundTrip(new RestoreState(new WorkerState(0, 41, floats, optimizer, 0, carried, teachers), [teacher]));
        Assert.Equal(floats, restored.State.Parameters);
        Assert.Equal(halves, Assert.Single(restored.TeacherCopies!).Weights.ToArray());
        var recovery = RoundTrip(new StepRecovery(1, 3, 36, new MemberRecovery(carried, teachers)));
        Assert.Equal((1, 3, 36L), (recovery.Slot, recovery.Generation, recovery.Step));
        Assert.Equal(carried, recovery.Recovery.Carried);
    }

    [Fact]
    public void EveryMessageMarkedAsCarryingATensor_HasADataPlaneCodec()
    {
        var codecs = TrainingSerializers.Codecs();
        var marked = typeof(IBulkTrainingMessage).Assembly.GetTypes()
            .Where(t => typeof(IBulkTrainingMessage).IsAssignableFrom(t) && !t.IsInterface).ToList();
        Assert.NotEmpty(marked);
        Assert.All(marked, t => Assert.True(codecs.IsBulk(t), $"{t.Name} carries a tensor but has no data plane codec"));
    }

    [Fact]
    public void AChunkWhoseMetadataDoesNotMatchItsBytes_IsDropped_AndTheNextArrives()
    {
        var codec = TrainingSerializers.Codecs().TryGet(typeof(AllreduceChunk), out var c) ? c : throw new InvalidOperationException();
        var parts = codec.ToBulk(new AllreduceChunk(1, 0, new RingChunk(0, 0, new float[10])));
        // What a garbled peer would announce: 10 floats' metadata over 12 floats of bytes.
        Assert.Throws<FormatException>(() => codec.ReceiveInto!(parts.Metadata, 48));
        var next = RoundTrip(new AllreduceChunk(2, 0, new RingChunk(0, 0, new float[] { 1, 2, 3 })));
        Assert.Equal(new float[] { 1, 2, 3 }, next.Chunk.Data.ToArray());
    }

    public Task InitializeAsync() => Task.CompletedTask;

    [Fact]
    public void WorkerState_WithAPayloadShorterThanItsMetadata_IsAFormatError()
    {
        Assert.True(TrainingSerializers.Codecs().TryGet(typeof(WorkerState), out var codec));
        var parts = codec.ToBulk(new WorkerState(1, 40, new float[100], new byte[10], 0));
        var e = Assert.Throws<FormatException>(() => codec.FromBulk(parts.Metadata, parts.Payload[..200]));
        Assert.Contains("codistill.worker-state", e.Message);

        // Weights and optimizer state whole, the carried state cut short.
        parts = codec.ToBulk(new WorkerState(1, 40, new float[100], new byte[10], 0, new float[8]));
        e = Assert.Throws<FormatException>(() => codec.FromBulk(parts.Metadata, parts.Payload[..^4]));
        Assert.Contains("codistill.worker-state", e.Message);
    }

    public async Task DisposeAsync() => await _sender.Terminate().WaitAsync(TimeSpan.FromSeconds(20));
}
