using ActorCodistill.Cluster.Serialization;
using Akka.Actor;
using Akka.Cluster;

namespace ActorCodistill.Cluster.DataPlane;

/// <summary>Asks a node where its data plane listens (sent to <c>/system/data-plane</c> over Akka.Remote).</summary>
public sealed record WhereIsDataPlane : IProductMessage;

/// <summary>The answer: the data plane's transport address (host and port of its listener, and its system name).</summary>
public sealed record DataPlaneAt(string SystemName, string Host, int Port) : IProductMessage;

/// <summary>
/// The data plane's system actor (<c>/system/data-plane</c>): tells peers where this node's data plane listens, and,
/// in a cluster, makes the data plane forget a node that was removed (its queued transfers become dead letters and
/// a node that later comes back at the same address is looked up afresh).
/// </summary>
internal sealed class DataPlaneDirectory : ReceiveActor
{
    public const string Name = "data-plane";

    public DataPlaneDirectory(DataPlaneAt self, Action<Address, string> forget)
    {
        Receive<WhereIsDataPlane>(_ => Sender.Tell(self));
        Receive<ClusterEvent.MemberRemoved>(removed => forget(removed.Member.Address, $"member removed ({removed.PreviousStatus})"));
        Receive<ClusterEvent.IMemberEvent>(_ => { });
    }

    protected override void PreStart()
    {
        if (Context.System is ExtendedActorSystem { Provider: IClusterActorRefProvider })
            Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.MemberRemoved));
    }

    protected override void PostStop()
    {
        if (Context.System is ExtendedActorSystem { Provider: IClusterActorRefProvider })
            Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
    }
}
