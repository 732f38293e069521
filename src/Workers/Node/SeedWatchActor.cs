using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.Membership;
using ClusterExt = ActorCodistill.Cluster.ClusterDaemon.Cluster;

namespace ActorCodistill.Workers.Node;

/// <summary>
/// Tells a worker node when its seed is gone for good: a member with the <c>seed</c> role that was Up is removed
/// (downed by the majority after a crash). The node then restarts as a new incarnation and joins the seeds again,
/// which is how workers find a restarted seed. Logs membership changes on the way.
/// </summary>
public sealed class SeedWatchActor : ReceiveActor
{
    public SeedWatchActor(TaskCompletionSource<string> seedLost)
    {
        Receive<Cluster.ClusterDaemon.CurrentClusterState>(state =>
            Log.Info($"cluster: {state.Members.Count} members, leader {state.Leader?.Address.ToString() ?? "none"}"));
        Receive<MemberUp>(up => Log.Info($"member up: {up.Member.Node.Address} [{string.Join(",", up.Member.Roles)}]"));
        Receive<UnreachableMember>(u => Log.Warning($"member unreachable: {u.Member.Node.Address}"));
        Receive<ReachableMember>(r => Log.Info($"member reachable again: {r.Member.Node.Address}"));
        Receive<MemberRemoved>(removed =>
        {
            Log.Info($"member removed: {removed.Member.Node.Address} (was {removed.PreviousStatus})");
            if (removed.Member.HasRole("seed"))
                seedLost.TrySetResult($"seed {removed.Member.Node.Address} was removed from the cluster");
        });
    }

    public static Props Props(TaskCompletionSource<string> seedLost) => Cluster.Actors.Props.Create(() => new SeedWatchActor(seedLost));

    protected override void PreStart() =>
        ClusterExt.Get(Context.System).Subscribe(Self, typeof(MemberUp), typeof(UnreachableMember), typeof(ReachableMember), typeof(MemberRemoved));
}
