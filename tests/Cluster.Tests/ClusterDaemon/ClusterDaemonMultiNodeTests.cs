using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.ClusterDaemon;
using ActorCodistill.Cluster.Membership;
using ActorCodistill.TestKit;

namespace ActorCodistill.Cluster.Tests.ClusterDaemon;

/// <summary>Cluster daemons on loopback nodes in this process, membership time driven by a manual clock.</summary>
[Trait("Category", "MultiNode")]
public sealed class ClusterDaemonMultiNodeTests
{
    [Fact]
    public void ThreeNodes_JoinThroughFirstSeed_AllUpWithRolesAndDevices()
    {
        using var h = new ClusterTestHarness(3);
        var c0 = h.StartCluster(0, [h.Address(0)]);
        var probe = new TestProbe(h.Nodes.Node(0).System);
        c0.Subscribe(probe.Ref, typeof(MemberUp));
        probe.ExpectMsg<CurrentClusterState>();
        h.StartCluster(1, [h.Address(0)]);
        var c2 = h.StartCluster(2, [h.Address(0)], roles: ["worker"], devices: ["cuda:0", "cuda:1"]);

        h.AwaitAllUp(0, 1, 2);

        var ups = probe.ReceiveN(3).Cast<MemberUp>().Select(e => e.Member.Node).ToHashSet();
        Assert.Equal(Enumerable.Range(0, 3).Select(i => h.Cluster(i).SelfUniqueAddress).ToHashSet(), ups);
        var leaders = Enumerable.Range(0, 3).Select(i => h.Cluster(i).State.Leader).Distinct().ToList();
        Assert.Single(leaders);
        Assert.Equal(h.Cluster(0).State.Members.Min!.Node, leaders[0]);
        var seenFrom0 = c0.State.Members.Single(m => m.Node == c2.SelfUniqueAddress);
        Assert.True(seenFrom0.HasRole("worker"));
        Assert.Equal(["cuda:0", "cuda:1"], c0.State.DevicesOf(c2.SelfUniqueAddress).ToArray());
        Assert.Equal(MemberStatus.Up, c2.SelfMember.Status);
        Assert.Same(c2, ActorCodistill.Cluster.ClusterDaemon.Cluster.Get(h.Nodes.Node(2).System));
    }

    [Fact]
    public void JoinSeedNodes_FirstSeedDown_JoinsThroughSecondSeed()
    {
        using var h = new ClusterTestHarness(3);
        var deadSeed = h.Address(2);
        h.Nodes.Kill(2);
        h.StartCluster(0, [h.Address(0)]);
        h.AwaitAdvancing(() => h.Cluster(0).SelfMember.Status == MemberStatus.Up, "seed 0 Up alone", TimeSpan.FromSeconds(5));

        h.StartCluster(1, [deadSeed, h.Address(0)]);

        h.AwaitAllUp(0, 1);
        Assert.Contains(h.Nodes.Node(1).Logs.Events, e => e.Message.Contains($"joining through seed {h.Address(0)}", StringComparison.Ordinal));
    }

    [Fact]
    public void KilledNode_SeenUnreachableThenDownedAfterStableAfter_Removed()
    {
        using var h = new ClusterTestHarness(3);
        h.FormCluster(3);
        var probe = new TestProbe(h.Nodes.Node(0).System);
        h.Cluster(0).Subscribe(probe.Ref, typeof(UnreachableMember), typeof(MemberRemoved));
        probe.ExpectMsg<CurrentClusterState>();
        var victim = h.Cluster(2).SelfUniqueAddress;

        h.Nodes.Kill(2);
        var toUnreachable = h.AwaitAdvancing(
            () => h.Cluster(0).State.Unreachable.Any(m => m.Node == victim), "node 0 sees node 2 unreachable", TimeSpan.FromSeconds(12));
        var toRemoved = toUnreachable + h.AwaitAdvancing(
            () => !h.Cluster(0).State.Members.Any(m => m.Node == victim) && !h.Cluster(1).State.Members.Any(m => m.Node == victim),
            "nodes 0 and 1 removed node 2", TimeSpan.FromSeconds(15));

        // Phi reaches 8 only well after heartbeat-interval + acceptable-heartbeat-pause (1 s + 3 s) of silence.
        Assert.InRange(toUnreachable, TimeSpan.FromSeconds(3.5), TimeSpan.FromSeconds(10));
        // Downing waits stable-after from the first unreachable mark, which cannot precede the pause.
        Assert.InRange(toRemoved, TimeSpan.FromSeconds(2.9) + ClusterTestHarness.StableAfter, TimeSpan.FromSeconds(18));
        Assert.Equal(victim, probe.ExpectMsg<UnreachableMember>().Member.Node);
        var removed = probe.FishForMessage<MemberRemoved>(r => r.Member.Node == victim);
        Assert.Equal(MemberStatus.Down, removed.PreviousStatus);
        Assert.All(new[] { 0, 1 }, i => Assert.Equal(2, h.Cluster(i).State.Members.Count(m => m.Status == MemberStatus.Up)));
    }

    [Fact]
    public void RestartedNode_AfterOldIncarnationRemoved_RejoinsAsNewMember()
    {
        using var h = new ClusterTestHarness(3);
        h.FormCluster(3);
        var old = h.Cluster(2).SelfUniqueAddress;
        h.Nodes.Kill(2);
        h.AwaitAdvancing(() => !h.Cluster(0).State.Members.Any(m => m.Node == old), "old incarnation of node 2 removed", TimeSpan.FromSeconds(20));

        // The TestKit binds port 0, so the restarted process gets a new port as well as a new uid.
        var restarted = h.Nodes.AddNode(ClusterTestHarness.Secret);
        h.StartCluster(restarted, [h.Address(0)], roles: ["worker"]);

        h.AwaitAllUp(0, 1, restarted);
        var fresh = h.Cluster(restarted).SelfUniqueAddress;
        Assert.NotEqual(old.Uid, fresh.Uid);
        Assert.DoesNotContain(h.Cluster(0).State.Members, m => m.Node == old);
        Assert.True(h.Cluster(0).State.Members.Single(m => m.Node == fresh).HasRole("worker"));
    }

    [Fact]
    public void Stranger_WrongSecret_NeverBecomesMember()
    {
        using var h = new ClusterTestHarness(2);
        h.FormCluster(2);
        var stranger = h.Nodes.AddNode("not the cluster secret");
        var strangerCluster = h.StartCluster(stranger, [h.Address(0)]);

        h.AwaitAdvancing(() => h.Nodes.Node(0).Logs.Events.Any(e => e.Message.Contains("refused connection", StringComparison.Ordinal)),
            "node 0 refusing the stranger's handshake", TimeSpan.FromSeconds(5));
        // Several InitJoin rounds and gossip rounds later it is still outside.
        h.AdvanceFor(TimeSpan.FromSeconds(3));

        Assert.DoesNotContain(h.Cluster(0).State.Members, m => m.Node.Address == h.Address(stranger));
        Assert.DoesNotContain(h.Cluster(1).State.Members, m => m.Node.Address == h.Address(stranger));
        Assert.Empty(strangerCluster.State.Members);
        Assert.Equal(MemberStatus.Removed, strangerCluster.SelfMember.Status);
    }

    [Fact]
    public void Down_LiveMember_StopsItselfAndIsRemoved()
    {
        using var h = new ClusterTestHarness(3);
        h.FormCluster(3);
        var victim = h.Cluster(2).SelfUniqueAddress;

        h.Cluster(0).Down(h.Address(2));

        h.AwaitAdvancing(() => h.Nodes.Node(2).System.WhenTerminated.IsCompleted, "downed node 2 terminating its actor system", TimeSpan.FromSeconds(5));
        h.AwaitAdvancing(() => !h.Cluster(0).State.Members.Any(m => m.Node == victim) && !h.Cluster(1).State.Members.Any(m => m.Node == victim),
            "downed node 2 removed", TimeSpan.FromSeconds(10));
        Assert.IsType<ClusterDowningReason>(h.Nodes.Node(2).System.CoordinatedShutdown.ShutdownReason);
    }

    [Fact]
    public void Leave_Member_ExitsStopsItselfAndIsRemoved()
    {
        using var h = new ClusterTestHarness(3);
        h.FormCluster(3);
        var leaver = h.Cluster(2).SelfUniqueAddress;
        var probe = new TestProbe(h.Nodes.Node(0).System);
        h.Cluster(0).Subscribe(probe.Ref, typeof(MemberLeft), typeof(MemberExited), typeof(MemberRemoved));
        probe.ExpectMsg<CurrentClusterState>();

        h.Cluster(1).Leave(h.Address(2));

        h.AwaitAdvancing(() => h.Nodes.Node(2).System.WhenTerminated.IsCompleted, "leaving node 2 terminating its actor system", TimeSpan.FromSeconds(5));
        h.AwaitAdvancing(() => !h.Cluster(0).State.Members.Any(m => m.Node == leaver) && !h.Cluster(1).State.Members.Any(m => m.Node == leaver),
            "left node 2 removed", TimeSpan.FromSeconds(10));
        Assert.Equal(leaver, probe.ExpectMsg<MemberLeft>().Member.Node);
        Assert.Equal(leaver, probe.ExpectMsg<MemberExited>().Member.Node);
        Assert.Equal(MemberStatus.Exiting, probe.ExpectMsg<MemberRemoved>().PreviousStatus);
    }
}
