using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.Membership;
using ActorCodistill.Cluster.Remoting;
using ActorCodistill.Cluster.Sharding;
using ActorCodistill.Cluster.Sharding.Protocol;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace ActorCodistill.Cluster.Tests.Sharding;

/// <summary>Every message of sharding.proto survives serialisation; entity messages travel as manifest + bytes.</summary>
[Trait("Category", "Unit")]
public class ShardingProtoRoundTripTests
{
    private static readonly UniqueAddress A = new(Address.Parse("act://codistill@10.0.0.5:4053"), -7);

    private static ShardRegionId Id => ShardingNames.ToProto(A);

    public static TheoryData<IMessage> Messages() => new()
    {
        Id,
        new ShardingEnvelopeProto { EntityId = "g0/1", Manifest = StringValue.Descriptor.FullName, Payload = ByteString.CopyFromUtf8("x") },
        new RegisterRegion { Region = Id, Shards = { "3", "g0/1" } },
        new RegisterProxy { Proxy = Id },
        new RegisterAck { Coordinator = Id },
        new GetShardHome { Shard = "7", Requester = Id },
        new ShardHome { Shard = "7", Region = Id },
        new BeginHandOff { Shard = "7" },
        new BeginHandOffAck { Shard = "7", Region = Id },
        new HandOff { Shard = "7" },
        new ShardStopped { Shard = "7" },
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void Message_RoundTrip_EqualAndNotDefault(IMessage message) => ProtoRoundTrip.AssertRoundTrips(message);

    [Fact]
    public void Messages_CoverEveryMessageOfTheFile() => ProtoRoundTrip.AssertCoversEveryMessage(ShardingReflection.Descriptor, Messages().Cast<object[]>());

    [Fact]
    public void RegionId_ThroughProto_EqualsOriginal() => Assert.Equal(A, ShardingNames.FromProto(ShardingNames.ToProto(A)));

    [Fact]
    public void RegionId_MissingOrMalformed_ThrowsFormatException()
    {
        Assert.Throws<FormatException>(() => ShardingNames.FromProto(null));
        Assert.Throws<FormatException>(() => ShardingNames.FromProto(new ShardRegionId { Uid = 3 }));
        Assert.ThrowsAny<FormatException>(() => ShardingNames.FromProto(new ShardRegionId { Address = "not an address", Uid = 3 }));
    }

    [Fact]
    public void SerializerRegistry_AfterShardingRegistration_RoundTripsEveryMessageAndEntityPayload()
    {
        var registry = new SerializerRegistry();
        ClusterSharding.RegisterSerializers(registry);
        var refs = new NoRefs();
        foreach (var row in Messages().Cast<object[]>())
        {
            var message = (IMessage)row[0];
            if (message is ShardRegionId) continue;
            var (manifest, payload) = registry.Serialize(message, refs, "act://codistill@10.0.0.6:4053/system/sharding/echo");
            Assert.Equal(message, registry.Deserialize(manifest, payload, refs));
        }

        var inner = new StringValue { Value = "hello" };
        var (innerManifest, innerPayload) = registry.Serialize(inner, refs, "entity");
        var envelope = new ShardingEnvelopeProto { EntityId = "e1", Manifest = innerManifest, Payload = innerPayload };
        var parsed = ShardingEnvelopeProto.Parser.ParseFrom(envelope.ToByteArray());
        Assert.Equal(inner, registry.Deserialize(parsed.Manifest, parsed.Payload, refs));
    }

    private sealed class NoRefs : IRemoteRefContext
    {
        public string PathOf(IActorRef? actorRef) => "";

        public IActorRef? RefOf(string path) => null;
    }
}
