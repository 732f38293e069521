using System.Text.Json;
using System.Text.Json.Serialization;
using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.Remoting;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace ActorCodistill.Cluster.Tests.Remoting;

[Trait("Category", "Unit")]
public sealed class JsonAndBulkRegistryTests
{
    private readonly SerializerRegistry _registry = BulkTestMessages.Register(new SerializerRegistry());
    private readonly PathRefs _refs = new();

    private static readonly IActorRef Worker = new StubRef(ActorPath.Parse("act://s@127.0.0.1:4053/user/worker-0#11"));
    private static readonly IActorRef Peer = new StubRef(ActorPath.Parse("act://s@127.0.0.2:4053/user/group/worker-1#12"));

    private static StepReport Report(double? loss = 2.5, string? note = "ok", IActorRef? teacher = null) => new(
        Step: 9_000_000_001,
        Status: ReportStatus.Failed,
        Worker: Worker,
        Group: [Worker, Peer],
        TokensByRank: new Dictionary<int, long> { [0] = 1L << 40, [3] = -7 },
        Shard: new ShardRange(4, 2),
        Pending: [new ShardRange(0, 1), new ShardRange(8, 3)],
        Loss: loss,
        Note: note,
        Teacher: teacher);

    [Fact]
    public void Json_RecordWithRefsListsDictionaryEnumNested_RoundTrips()
    {
        var sent = Report(teacher: Peer);
        var (manifest, payload) = _registry.Serialize(sent, _refs, "act://s@h:1/user/x");

        var back = Assert.IsType<StepReport>(_registry.Deserialize(manifest, payload, _refs));

        Assert.Equal("test.StepReport", manifest);
        Assert.Equal(9_000_000_001, back.Step);
        Assert.Equal(ReportStatus.Failed, back.Status);
        Assert.Equal("act://s@127.0.0.1:4053/user/worker-0#11", back.Worker.Path.ToStringWithUid());
        Assert.Equal(["act://s@127.0.0.1:4053/user/worker-0#11", "act://s@127.0.0.2:4053/user/group/worker-1#12"],
            back.Group.Select(r => r.Path.ToStringWithUid()));
        Assert.Equal([new KeyValuePair<int, long>(0, 1L << 40), new KeyValuePair<int, long>(3, -7)], back.TokensByRank.OrderBy(e => e.Key));
        Assert.Equal(new ShardRange(4, 2), back.Shard);
        Assert.Equal([new ShardRange(0, 1), new ShardRange(8, 3)], back.Pending);
        Assert.Equal(2.5, back.Loss);
        Assert.Equal("ok", back.Note);
        Assert.Equal("act://s@127.0.0.2:4053/user/group/worker-1#12", back.Teacher!.Path.ToStringWithUid());
    }

    [Fact]
    public void Json_NullableFieldsNullAndNobody_RoundTrip()
    {
        var sent = Report(loss: null, note: null, teacher: null) with { Worker = ActorRefs.Nobody };
        var (manifest, payload) = _registry.Serialize(sent, _refs, "x");

        var back = Assert.IsType<StepReport>(_registry.Deserialize(manifest, payload, _refs));

        Assert.Null(back.Loss);
        Assert.Null(back.Note);
        Assert.Null(back.Teacher);
        Assert.Same(ActorRefs.Nobody, back.Worker);
    }

    [Fact]
    public void Json_Wire_HasEnumAsStringAndRefsAsPaths()
    {
        var (_, payload) = _registry.Serialize(Report(), _refs, "x");
        var json = payload.ToStringUtf8();

        Assert.Contains("\"Status\":\"Failed\"", json, StringComparison.Ordinal);
        Assert.Contains("\"Worker\":\"act://s@127.0.0.1:4053/user/worker-0#11\"", json, StringComparison.Ordinal);
        Assert.Contains("\"TokensByRank\":{\"0\":1099511627776,\"3\":-7}", json, StringComparison.Ordinal);
    }

    [Fact]
    public void AddJson_CallerOptions_AreHonouredAndKeepRefConversion()
    {
        var registry = new SerializerRegistry().AddJson(typeof(TensorReceived), "camel.TensorReceived",
            new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase });

        var (_, payload) = registry.Serialize(new TensorReceived(3, 12, Peer), _refs, "x");
        var back = Assert.IsType<TensorReceived>(registry.Deserialize("camel.TensorReceived", payload, _refs));

        Assert.Equal("{\"step\":3,\"length\":12,\"receivedBy\":\"act://s@127.0.0.2:4053/user/group/worker-1#12\"}", payload.ToStringUtf8());
        Assert.Equal(Peer.Path.ToStringWithUid(), back.ReceivedBy.Path.ToStringWithUid());
    }

    [Theory]
    [InlineData("{\"Step\":1,")]
    [InlineData("not json")]
    [InlineData("null")]
    [InlineData("{\"Step\":\"one\",\"Length\":1,\"ReceivedBy\":\"\"}")]
    [InlineData("{\"Step\":1,\"Length\":1,\"ReceivedBy\":\"no path here\"}")]
    [InlineData("{\"Step\":1,\"Length\":1,\"ReceivedBy\":42}")]
    public void Json_Garbled_ThrowsRemoteSerializationException(string json)
    {
        var e = Assert.Throws<RemoteSerializationException>(() => _registry.Deserialize("test.TensorReceived", ByteString.CopyFromUtf8(json), _refs));
        Assert.Contains("test.TensorReceived", e.Message, StringComparison.Ordinal);
    }

    private sealed record Clashing([property: JsonPropertyName("x")] int A, [property: JsonPropertyName("x")] int B);

    [Fact]
    public void AddJson_TypeStjCannotDescribe_FailsAtRegistrationNotAtTell()
    {
        Assert.Throws<InvalidOperationException>(() => new SerializerRegistry().AddJson<Clashing>("test.Clashing"));
    }

    [Fact]
    public void IsBulk_OnlyForBulkRegisteredTypes()
    {
        Assert.True(_registry.IsBulk(typeof(FloatTensor)));
        Assert.True(_registry.CanSerialize(typeof(FloatTensor)));
        Assert.False(_registry.IsBulk(typeof(StepReport)));
        Assert.False(_registry.IsBulk(typeof(StringValue)));
    }

    [Fact]
    public void AddBulk_ManifestOrTypeTaken_IsRefused()
    {
        var registry = new SerializerRegistry();
        registry.AddBulk(BulkTestMessages.BlobSerializer);
        var sameManifestOtherType = BulkTestMessages.FloatTensorSerializer with { Manifest = BulkTestMessages.BlobManifest };
        var controlManifest = BulkTestMessages.FloatTensorSerializer with { Manifest = "google.protobuf.StringValue" };
        var controlType = BulkTestMessages.FloatTensorSerializer with { Type = typeof(StringValue), Manifest = "bulk.StringValue" };
        var sameTypeOtherManifest = BulkTestMessages.BlobSerializer with { Manifest = "test.Blob2" };

        Assert.Contains(typeof(Blob).FullName!, Assert.Throws<ArgumentException>(() => registry.AddBulk(sameManifestOtherType)).Message, StringComparison.Ordinal);
        Assert.Contains("control message", Assert.Throws<ArgumentException>(() => registry.AddBulk(controlManifest)).Message, StringComparison.Ordinal);
        Assert.Contains("control message", Assert.Throws<ArgumentException>(() => registry.AddBulk(controlType)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => registry.AddBulk(sameTypeOtherManifest));
        // The other direction: a control registration may not take a bulk type or manifest.
        Assert.Contains("bulk", Assert.Throws<ArgumentException>(() => registry.AddJson<Blob>("json.Blob")).Message, StringComparison.Ordinal);
        Assert.Contains("bulk", Assert.Throws<ArgumentException>(() => registry.AddJson<TensorReceived>(BulkTestMessages.BlobManifest)).Message, StringComparison.Ordinal);
        // Registering the same thing twice is harmless.
        registry.AddBulk(BulkTestMessages.BlobSerializer);
        Assert.Single(registry.BulkSerializers);
    }

    [Fact]
    public void BulkSerializer_FloatTensor_RoundTripsBitIdentical()
    {
        var values = BulkTestMessages.RandomFloats(1000, seed: 5);
        var parts = BulkTestMessages.FloatTensorSerializer.ToBulk(new FloatTensor(42, values), _refs);

        var back = (FloatTensor)BulkTestMessages.FloatTensorSerializer.FromBulk(parts.Metadata, parts.Payload, _refs);

        Assert.Equal(42, back.Step);
        Assert.Equal(4000, parts.Payload.Length);
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.AsBytes(back.Values.AsSpan()).SequenceEqual(parts.Payload.Span));
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).SequenceEqual(parts.Payload.Span));
    }

    /// <summary>Refs become their path strings and paths become stub refs.</summary>
    private sealed class PathRefs : IRemoteRefContext
    {
        public string PathOf(IActorRef? actorRef) => actorRef is null or Nobody ? "" : actorRef.Path.ToStringWithUid();

        public IActorRef? RefOf(string path) => path.Length == 0 ? null : new StubRef(ActorPath.Parse(path));
    }

    private sealed class StubRef(ActorPath path) : ActorRefBase
    {
        public override ActorPath Path { get; } = path;

        public override void Tell(object message, IActorRef? sender = null) => throw new NotSupportedException();
    }
}
