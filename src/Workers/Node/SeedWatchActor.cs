using Akka.Actor;
using Akka.Event;
using static Akka.Cluster.ClusterEvent;
using AkkaCluster = Akka.Cluster.Cluster;

namespace ActorCodistill.Workers.Node;

/// <summary>
/// Tells a worker node when its seed is gone for good: a member with the <c>seed</c> role that was Up is removed
/// (downed by the majority after a crash). The node then restarts as a new incarnation and joins the seeds again,
/// which is how workers find a restarted seed. Logs membership changes on the way.
/// </summary>
public sealed class SeedWatchActor : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    public SeedWatchActor(TaskCompletionSource<string> seedLost)
    {
        Receive<CurrentClusterState>(state =>
            _log.Info("cluster: {0} members, leader {1}", state.Members.Count, state.Leader?.ToString() ?? "none"));
        Receive<MemberUp>(up => _log.Info("member up: {0} [{1}]", up.Member.Address, string.Join(",", up.Member.Roles)));
        Receive<UnreachableMember>(u => _log.Warning("member unreachable: {0}", u.Member.Address));
        Receive<ReachableMember>(r => _log.Info("member reachable again: {0}", r.Member.Address));
        Receive<MemberRemoved>(removed =>
        {
            _log.Info("member removed: {0} (was {1})", removed.Member.Address, removed.PreviousStatus);
            if (removed.Member.HasRole("seed"))
                seedLost.TrySetResult($"seed {removed.Member.Address} was removed from the cluster");
        });
        Receive<IClusterDomainEvent>(_ => { });
    }

    public static Props Props(TaskCompletionSource<string> seedLost) => Akka.Actor.Props.Create(() => new SeedWatchActor(seedLost));

    protected override void PreStart() =>
        AkkaCluster.Get(Context.System).Subscribe(Self, SubscriptionInitialStateMode.InitialStateAsSnapshot, typeof(IMemberEvent), typeof(IReachabilityEvent));

    protected override void PostStop() => AkkaCluster.Get(Context.System).Unsubscribe(Self);
}
