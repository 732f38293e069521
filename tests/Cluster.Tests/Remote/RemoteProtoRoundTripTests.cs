using ActorCodistill.Cluster.Remote;
using ActorCodistill.Cluster.Remote.Protocol;
using Google.Protobuf;

namespace ActorCodistill.Cluster.Tests.Remote;

/// <summary>Every message that crosses nodes survives serialisation with every field set to a non-default value.</summary>
[Trait("Category", "Unit")]
public class RemoteProtoRoundTripTests
{
    private static readonly UniqueAddressProto NodeA = new() { System = "codistill", Host = "10.0.0.5", Port = 4053, Uid = 0xFEDCBA9876543210 };
    private static readonly UniqueAddressProto NodeB = new() { System = "codistill", Host = "10.0.0.6", Port = 4054, Uid = 7 };

    public static TheoryData<IMessage> Messages() => new()
    {
        NodeA,
        new HandshakeHello { ProtocolVersion = 1, From = NodeA, Nonce = ByteString.CopyFrom(new byte[32]), Channel = ChannelKind.Bulk },
        new HandshakeChallenge { ProtocolVersion = 1, From = NodeB, Nonce = ByteString.CopyFrom(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray()), Proof = ByteString.CopyFromUtf8("proof") },
        new HandshakeProof { Proof = ByteString.CopyFrom(9, 8, 7) },
        new HandshakeAccepted { Uid = ulong.MaxValue },
        new Close { Reason = "oversize frame: Control of 5000000 bytes" },
        new Envelope { Recipient = "/user/coordinator", Sender = "/user/worker-3", Manifest = "StepDone", Payload = ByteString.CopyFrom(1, 2, 3, 255), Seq = 42 },
        new Heartbeat { From = NodeA, SequenceNr = 17, CreationTimeMs = 1_700_000_000_123 },
        new HeartbeatRsp { From = NodeB, SequenceNr = 17, CreationTimeMs = 1_700_000_000_123 },
        new BulkHeader { TransferId = 3, Dtype = TensorDType.Float16, Shape = { 64, 1024, 3 }, TotalBytes = 393216, Checksum = 0xDEADBEEFCAFEBABE, ChunkSize = 1 << 20, Recipient = "/user/broadcast", Manifest = "weights:group-1", AckEvery = 4, Checksummed = true },
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void Message_RoundTrip_EqualAndNotDefault(IMessage message) => ProtoRoundTrip.AssertRoundTrips(message);

    [Fact]
    public void Messages_CoverEveryMessageInRemoteProto() => ProtoRoundTrip.AssertCoversEveryMessage(RemoteReflection.Descriptor, Messages().Cast<object[]>());

    [Fact]
    public void UniqueRemoteAddress_ProtoAndText_RoundTrip()
    {
        var address = new UniqueRemoteAddress(RemoteAddress.Parse("acd://codistill@10.0.0.5:4053"), 99);
        Assert.Equal("acd://codistill@10.0.0.5:4053#99", address.ToString());
        Assert.Equal(address, UniqueRemoteAddress.FromProto(address.ToProto()));
        Assert.Throws<FormatException>(() => RemoteAddress.Parse("tcp://x:1"));
    }
}
