using System.Collections.Immutable;
using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.ClusterDaemon;
using ActorCodistill.Cluster.ClusterDaemon.Protocol;
using ActorCodistill.Cluster.Membership;
using ActorCodistill.Cluster.Remoting;
using Google.Protobuf;
using UniqueAddressProto = ActorCodistill.Cluster.Remote.Protocol.UniqueAddressProto;

namespace ActorCodistill.Cluster.Tests.ClusterDaemon;

/// <summary>Every message of cluster.proto survives serialisation; a gossip survives the domain mapping exactly.</summary>
[Trait("Category", "Unit")]
public class ClusterProtoRoundTripTests
{
    private static readonly UniqueAddress A = new(Address.Parse("act://codistill@10.0.0.5:4053"), 11);
    private static readonly UniqueAddress B = new(Address.Parse("act://codistill@10.0.0.6:4053"), -22);
    private static readonly UniqueAddress C = new(Address.Parse("act://codistill@10.0.0.7:4053"), 33);
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123);

    /// <summary>A joins, B and C join, all Up, A sees C unreachable, C downed and removed, then B sees A unreachable and back.</summary>
    internal static Gossip RichGossip()
    {
        var g = Gossip.Empty.Join(A, A, ["seed"]).Gossip;
        g = g.Join(A, B, ["worker", "gpu"]).Gossip.Join(A, C).Gossip;
        g = LeaderActions.Perform(g.Seen(A).Seen(B).Seen(C), A, LeaderSettings.Default, Now).Gossip;
        g = g.MarkUnreachable(A, C).Down(A, C).Seen(B);
        g = LeaderActions.Perform(g, A, LeaderSettings.Default, Now).Gossip;
        g = g.MarkUnreachable(B, A).MarkReachable(B, A).MarkUnreachable(A, B).Seen(B);
        return g;
    }

    private static UniqueAddressProto P(UniqueAddress node) => ClusterProtoMapping.ToProto(node);

    public static TheoryData<IMessage> Messages()
    {
        var gossip = ClusterProtoMapping.ToProto(RichGossip());
        var devices = new MemberDevices { Node = P(B), Devices = { "cuda:0", "cuda:1" } };
        return new()
        {
            new MemberProto { Node = P(B), Status = WireMemberStatus.Leaving, Roles = { "worker" }, UpNumber = 3 },
            new ReachabilityRecordProto { Observer = P(A), Subject = P(B), Unreachable = true, Version = 4 },
            new VersionEntry { Node = P(C), Version = 9 },
            new TombstoneProto { Node = P(C), RemovedAtUnixMs = Now.ToUnixTimeMilliseconds() },
            gossip,
            devices,
            new GossipEnvelope { From = P(A), To = P(B), Gossip = gossip, Devices = { devices } },
            new InitJoin { From = P(B) },
            new InitJoinAck { Address = A.Address.ToString() },
            new Join { Node = P(B), Roles = { "worker" }, Devices = { "cpu:0" } },
            new Welcome { From = P(A), Gossip = gossip, Devices = { devices } },
            new ClusterHeartbeat { From = P(A), SequenceNr = 42 },
            new ClusterHeartbeatRsp { From = P(B), SequenceNr = 42 },
        };
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void Message_RoundTrip_EqualAndNotDefault(IMessage message) => ProtoRoundTrip.AssertRoundTrips(message);

    [Fact]
    public void Messages_CoverEveryMessageOfTheFile() => ProtoRoundTrip.AssertCoversEveryMessage(ClusterReflection.Descriptor, Messages().Cast<object[]>());

    [Fact]
    public void Gossip_ThroughProtoBytes_EqualsOriginal()
    {
        var gossip = RichGossip();
        Assert.Contains(gossip.Members, m => m.Status == MemberStatus.Up && m.UpNumber == 2);
        Assert.Single(gossip.Tombstones);
        Assert.False(gossip.Reachability.IsAllReachable);

        var bytes = ClusterProtoMapping.ToProto(gossip).ToByteArray();
        var back = ClusterProtoMapping.FromProto(GossipProto.Parser.ParseFrom(bytes));

        Assert.Equal(gossip, back);
        Assert.Equal(gossip.Reachability.Versions, back.Reachability.Versions);
        Assert.Equal(VectorClockOrdering.Same, gossip.Version.Compare(back.Version));
        Assert.Equal(gossip.Merge(back), gossip);
    }

    [Fact]
    public void Devices_ThroughProto_EqualOriginal()
    {
        var devices = ImmutableDictionary<UniqueAddress, ImmutableArray<string>>.Empty.Add(A, []).Add(B, ["cuda:0", "cuda:1"]);
        var back = ClusterProtoMapping.FromProto(ClusterProtoMapping.ToProto(devices));
        Assert.Equal(devices.Keys.ToHashSet(), back.Keys.ToHashSet());
        Assert.Equal(["cuda:0", "cuda:1"], back[B].ToArray());
    }

    [Fact]
    public void UniqueAddress_NegativeUid_TravelsAsTheTransportsUnsignedUid()
    {
        var proto = ClusterProtoMapping.ToProto(B);

        Assert.Equal(new UniqueAddressProto { System = "codistill", Host = "10.0.0.6", Port = 4053, Uid = unchecked((ulong)-22L) }, proto);
        Assert.Equal(B, ClusterProtoMapping.FromProto(UniqueAddressProto.Parser.ParseFrom(proto.ToByteArray())));
    }

    [Fact]
    public void UniqueAddress_SameNodeAsTransportAddress_SameBytes()
    {
        // The transport names this incarnation in its handshake; the cluster must name it identically.
        var transport = new UniqueAddressProto { System = "codistill", Host = "10.0.0.5", Port = 4053, Uid = 11 };
        Assert.Equal(transport.ToByteArray(), ClusterProtoMapping.ToProto(A).ToByteArray());
    }

    [Fact]
    public void ToProto_LocalAddress_ThrowsArgumentExceptionNamingIt()
    {
        var e = Assert.Throws<ArgumentException>(() => ClusterProtoMapping.ToProto(new UniqueAddress(Address.Local("codistill"), 1)));
        Assert.Contains("act://codistill", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromProto_MissingOrMalformedAddress_ThrowsFormatException()
    {
        Assert.Throws<FormatException>(() => ClusterProtoMapping.FromProto((UniqueAddressProto?)null));
        Assert.Throws<FormatException>(() => ClusterProtoMapping.FromProto(new UniqueAddressProto { Host = "10.0.0.5", Port = 4053, Uid = 1 }));
        Assert.Throws<FormatException>(() => ClusterProtoMapping.FromProto(new UniqueAddressProto { System = "codistill", Port = 4053, Uid = 1 }));
        var badPort = Assert.Throws<FormatException>(() => ClusterProtoMapping.FromProto(new UniqueAddressProto { System = "codistill", Host = "h", Port = 70000, Uid = 1 }));
        Assert.Contains("codistill@h:70000", badPort.Message, StringComparison.Ordinal);
        var badStatus = new GossipProto { Members = { new MemberProto { Node = P(A), Status = (WireMemberStatus)17 } } };
        Assert.Throws<FormatException>(() => ClusterProtoMapping.FromProto(badStatus));
    }

    [Fact]
    public void SerializerRegistry_AfterClusterRegistration_RoundTripsEveryCrossingMessage()
    {
        var registry = new SerializerRegistry();
        ActorCodistill.Cluster.ClusterDaemon.Cluster.RegisterSerializers(registry);
        foreach (var message in new IMessage[]
                 {
                     new GossipEnvelope { From = P(A), To = P(B), Gossip = ClusterProtoMapping.ToProto(RichGossip()) },
                     new InitJoin { From = P(B) }, new InitJoinAck { Address = "act://codistill@10.0.0.5:4053" },
                     new Join { Node = P(B) }, new Welcome { From = P(A) },
                     new ClusterHeartbeat { From = P(A), SequenceNr = 1 }, new ClusterHeartbeatRsp { From = P(B), SequenceNr = 1 },
                 })
        {
            var (manifest, payload) = registry.Serialize(message, NoRefs.Instance, "act://codistill@10.0.0.6:4053/system/cluster");
            Assert.Equal(message, registry.Deserialize(manifest, payload, NoRefs.Instance));
        }
    }

    private sealed class NoRefs : IRemoteRefContext
    {
        public static readonly NoRefs Instance = new();

        public string PathOf(IActorRef? actorRef) => "";

        public IActorRef? RefOf(string path) => null;
    }
}
