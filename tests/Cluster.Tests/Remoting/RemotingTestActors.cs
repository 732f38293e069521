using ActorCodistill.Cluster.Actors;
using Google.Protobuf.WellKnownTypes;

namespace ActorCodistill.Cluster.Tests.Remoting;

/// <summary>Replies "pong:&lt;text&gt;" to the sender of every StringValue, and records who asked.</summary>
internal sealed class PongActor : ReceiveActor
{
    public PongActor(Action<IActorRef>? onSender = null)
    {
        Receive<StringValue>(ping =>
        {
            onSender?.Invoke(Sender);
            Sender.Tell(new StringValue { Value = "pong:" + ping.Value });
        });
    }
}

internal static class RemotingTestSettings
{
    public const string Secret = "remoting tests cluster secret 0123";
    public const string WrongSecret = "a stranger's secret, long enough";
}
