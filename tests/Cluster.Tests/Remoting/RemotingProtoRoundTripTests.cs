using ActorCodistill.Cluster.Remoting.Protocol;
using Google.Protobuf;

namespace ActorCodistill.Cluster.Tests.Remoting;

/// <summary>Every message of remoting.proto survives serialisation with every field set to a non-default value.</summary>
[Trait("Category", "Unit")]
public class RemotingProtoRoundTripTests
{
    private const string Watchee = "act://codistill@10.0.0.6:4054/user/worker-3#-4611686018427387904";
    private const string Watcher = "act://codistill@10.0.0.5:4053/user/coordinator#77";

    public static TheoryData<IMessage> Messages() => new()
    {
        new RemoteWatch { Watchee = Watchee, Watcher = Watcher },
        new RemoteUnwatch { Watchee = Watchee, Watcher = Watcher },
        new RemoteDeathWatchNotification { Actor = Watchee, Watcher = Watcher, ExistenceConfirmed = true, AddressTerminated = true },
        new TerminatedProto { Actor = Watchee, ExistenceConfirmed = true, AddressTerminated = true },
        new IdentifyProto { MessageId = "identify-1" },
        new ActorIdentityProto { MessageId = "identify-1", Subject = Watchee },
        new BarrierEnter { Name = "after-kill", Node = 2 },
        new BarrierDone { Name = "after-kill" },
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void Message_RoundTrip_EqualAndNotDefault(IMessage message) => ProtoRoundTrip.AssertRoundTrips(message);

    [Fact]
    public void Messages_CoverEveryMessageOfTheFile() => ProtoRoundTrip.AssertCoversEveryMessage(RemotingReflection.Descriptor, Messages().Cast<object[]>());
}
