using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.ClusterDaemon;
using ActorCodistill.Cluster.Membership;
using ActorCodistill.TestKit;

namespace ActorCodistill.Cluster.Tests.ClusterDaemon.MultiNode;

/// <summary>Coordinated shutdown of a member leaves the cluster first (the cluster-leave phase).</summary>
[Trait("Category", "MultiNode")]
public sealed class LeaveOnShutdownTests
{
    [Theory]
    [InlineData(2)] // a follower
    [InlineData(0)] // the leader: it moves itself to Exiting, the next leader removes it
    public async Task Shutdown_Member_OthersSeeLeftExitedRemovedNeverUnreachable(int leaver)
    {
        using var h = new ClusterTestHarness(3);
        h.FormCluster(3);
        var watcher = leaver == 0 ? 1 : 0;
        var other = 3 - leaver - watcher;
        var leaving = h.Cluster(leaver).SelfUniqueAddress;
        var probe = new TestProbe(h.Nodes.Node(watcher).System);
        h.Cluster(watcher).Subscribe(probe.Ref, typeof(MemberEvent), typeof(UnreachableMember));
        probe.ExpectMsg<CurrentClusterState>();

        // Shutdown blocks until the node has stopped, and leaving needs membership time to move, so it runs beside the clock.
        var shutdown = Task.Run(() => h.Nodes.Shutdown(leaver));
        h.AwaitAdvancing(() => shutdown.IsCompleted && GoneFrom(h, leaving, watcher, other),
            $"node {leaver} shut down and removed by nodes {watcher} and {other}", TimeSpan.FromSeconds(10));
        await shutdown;

        // Everything the watcher was told up to the leaver's removal; after it, nothing can be said about that member.
        var events = new List<object>();
        while (events.LastOrDefault() is not MemberRemoved { } r || r.Member.Node != leaving) events.Add(probe.ExpectMsg<object>());
        var aboutLeaver = events.OfType<MemberEvent>().Where(e => e.Member.Node == leaving).ToList();
        Assert.Collection(aboutLeaver,
            e => Assert.IsType<MemberLeft>(e),
            e => Assert.IsType<MemberExited>(e),
            e => Assert.Equal(MemberStatus.Exiting, Assert.IsType<MemberRemoved>(e).PreviousStatus));
        Assert.DoesNotContain(events, e => e is UnreachableMember u && u.Member.Node == leaving);
        Assert.IsType<CoordinatedShutdown.ActorSystemTerminateReason>(h.Nodes.Node(leaver).System.CoordinatedShutdown.ShutdownReason);
        Assert.Contains(h.Nodes.Node(leaver).Logs.Events, e => e.Message.Contains("leaving the cluster (Up) before shutting down", StringComparison.Ordinal));
        Assert.All(new[] { watcher, other }, i => Assert.Equal(2, h.Cluster(i).State.Members.Count(m => m.Status == MemberStatus.Up)));
    }

    [Fact]
    public void Kill_Member_SkipsLeaveAndIsDownedAfterUnreachable()
    {
        using var h = new ClusterTestHarness(3);
        h.FormCluster(3);
        var victim = h.Cluster(2).SelfUniqueAddress;
        var probe = new TestProbe(h.Nodes.Node(0).System);
        h.Cluster(0).Subscribe(probe.Ref, typeof(MemberEvent), typeof(UnreachableMember));
        probe.ExpectMsg<CurrentClusterState>();

        h.Nodes.Kill(2);
        h.AwaitAdvancing(() => GoneFrom(h, victim, 0, 1), "killed node 2 removed", TimeSpan.FromSeconds(20));

        Assert.Equal(victim, probe.FishForMessage<UnreachableMember>(u => u.Member.Node == victim).Member.Node);
        Assert.Equal(MemberStatus.Down, probe.FishForMessage<MemberRemoved>(r => r.Member.Node == victim).PreviousStatus);
        Assert.Contains(h.Nodes.Node(2).Logs.Events, e => e.Message.Contains("cluster leave skipped: the transport is already closed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Shutdown_OnlyMember_StopsWithoutWaitingForALeader()
    {
        using var h = new ClusterTestHarness(1);
        h.FormCluster(1);

        // The clock never moves here: a leave would wait for a leader tick until LeaveTimeout.
        var shutdown = h.Nodes.Node(0).Remoting.ShutdownAsync();

        await shutdown.WaitAsync(h.Nodes.Dilated(TimeSpan.FromSeconds(4)));
        Assert.DoesNotContain(h.Nodes.Node(0).Logs.Events, e => e.Message.Contains("leaving the cluster", StringComparison.Ordinal));
    }

    private static bool GoneFrom(ClusterTestHarness h, UniqueAddress node, params int[] observers) =>
        observers.All(i => !h.Cluster(i).State.Members.Any(m => m.Node == node));
}
