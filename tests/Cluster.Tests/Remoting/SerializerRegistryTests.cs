using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.Remoting;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace ActorCodistill.Cluster.Tests.Remoting;

[Trait("Category", "Unit")]
public class SerializerRegistryTests
{
    private sealed record NotOnTheWire(int Value);

    /// <summary>Refs become their path strings and paths become stub refs, so messages holding refs round-trip.</summary>
    private sealed class PathRefs : IRemoteRefContext
    {
        public string PathOf(IActorRef? actorRef) => actorRef?.Path.ToStringWithUid() ?? "";

        public IActorRef? RefOf(string path) => path.Length == 0 ? null : new StubRef(ActorPath.Parse(path));
    }

    private sealed class StubRef(ActorPath path) : ActorRefBase
    {
        public override ActorPath Path { get; } = path;

        public override void Tell(object message, IActorRef? sender = null) => throw new NotSupportedException();
    }

    private readonly SerializerRegistry _registry = new();
    private readonly PathRefs _refs = new();

    [Fact]
    public void Protobuf_RoundTrip_ManifestIsDescriptorFullName()
    {
        var (manifest, payload) = _registry.Serialize(new StringValue { Value = "ping" }, _refs, "act://s@h:1/user/x");
        Assert.Equal("google.protobuf.StringValue", manifest);
        Assert.Equal(new StringValue { Value = "ping" }, _registry.Deserialize(manifest, payload, _refs));
    }

    [Fact]
    public void Terminated_RoundTrip_KeepsPathUidAndFlags()
    {
        var actor = new StubRef(ActorPath.Parse("act://s@127.0.0.1:4053/user/worker#42"));
        var (manifest, payload) = _registry.Serialize(new Terminated(actor, ExistenceConfirmed: true, AddressTerminated: true), _refs, "x");
        var back = Assert.IsType<Terminated>(_registry.Deserialize(manifest, payload, _refs));
        Assert.Equal("act://s@127.0.0.1:4053/user/worker#42", back.ActorRef.Path.ToStringWithUid());
        Assert.True(back.ExistenceConfirmed);
        Assert.True(back.AddressTerminated);
    }

    [Fact]
    public void ActorIdentity_WithoutSubject_RoundTripsAsNull()
    {
        var (manifest, payload) = _registry.Serialize(new ActorIdentity("id-7", null), _refs, "x");
        Assert.Equal(new ActorIdentity("id-7", null), _registry.Deserialize(manifest, payload, _refs));
    }

    [Fact]
    public void Serialize_UnregisteredType_ThrowsNamingTypeAndRecipient()
    {
        var e = Assert.Throws<NotSerializableMessageException>(() => _registry.Serialize(new NotOnTheWire(1), _refs, "act://s@h:1/user/x"));
        Assert.Contains(typeof(NotOnTheWire).FullName!, e.Message, StringComparison.Ordinal);
        Assert.Contains("act://s@h:1/user/x", e.Message, StringComparison.Ordinal);
        Assert.Equal(typeof(NotOnTheWire), e.MessageType);
    }

    [Fact]
    public void Deserialize_UnknownManifest_ThrowsNamingManifest()
    {
        var e = Assert.Throws<RemoteSerializationException>(() => _registry.Deserialize("no.such.Type", ByteString.Empty, _refs));
        Assert.Contains("no.such.Type", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deserialize_GarbledPayload_ThrowsRemoteSerializationException()
    {
        // Field 1, length-delimited, announcing far more bytes than follow.
        var garbage = ByteString.CopyFrom(0x0A, 0xFF, 0xFF, 0x03, 0x41);
        var e = Assert.Throws<RemoteSerializationException>(() => _registry.Deserialize("google.protobuf.StringValue", garbage, _refs));
        Assert.Contains("garbled", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Add_ManifestOfAnotherType_IsRefused()
    {
        var clash = new MessageSerializer(typeof(NotOnTheWire), "google.protobuf.StringValue", (_, _) => ByteString.Empty, (_, _) => new NotOnTheWire(0));
        Assert.Throws<ArgumentException>(() => _registry.Add(clash));
    }
}
