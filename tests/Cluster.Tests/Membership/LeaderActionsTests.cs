using System.Collections.Immutable;
using ActorCodistill.Cluster.Membership;
using static ActorCodistill.Cluster.Tests.Membership.MembershipTestNodes;

namespace ActorCodistill.Cluster.Tests.Membership;

[Trait("Category", "Unit")]
public class LeaderActionsTests
{
    [Fact]
    public void Leader_AllUp_LowestAddress()
    {
        Assert.Equal(Node(1), UpCluster(3).Leader(Node(3)));
    }

    [Fact]
    public void Leader_LowestUnreachable_NextReachableUp()
    {
        var g = UpCluster(3).MarkUnreachable(Node(2), Node(1));

        Assert.Equal(Node(2), g.Leader(Node(2)));
        Assert.Equal(Node(1), g.Leader(Node(1)));
    }

    [Fact]
    public void Leader_UpPreferredOverLowerJoining()
    {
        var g = Gossip.Empty.JoinOk(Node(2), Node(2)).ConvergedLeaderActions(Node(2)).Gossip.JoinOk(Node(2), Node(1));

        Assert.Equal(Node(2), g.Leader(Node(1)));
    }

    [Fact]
    public void Leader_OnlyJoiningMembers_LowestJoiningLeads()
    {
        var g = Gossip.Empty.JoinOk(Node(2), Node(2)).JoinOk(Node(2), Node(1));

        Assert.Equal(Node(1), g.Leader(Node(2)));
    }

    [Fact]
    public void Leader_DownMember_NeverLeads()
    {
        var g = UpCluster(2).Down(Node(2), Node(1));

        Assert.Equal(Node(2), g.Leader(Node(2)));
    }

    [Fact]
    public void Perform_NotLeader_NoChange()
    {
        var g = UpCluster(2).JoinOk(Node(1), Node(3)).SeenByAll();

        var result = LeaderActions.Perform(g, Node(2), LeaderSettings.Default, T0);

        Assert.Same(g, result.Gossip);
        Assert.Empty(result.Events);
    }

    [Fact]
    public void Perform_JoinThreeNodes_AllUpWithUpNumbersAndEvents()
    {
        var g = Gossip.Empty.JoinOk(Node(1), Node(1), "seed");
        var first = g.ConvergedLeaderActions(Node(1));
        Assert.Equal(new ClusterEvent[] { new MemberUp(first.Gossip.Member(Node(1))!) }, first.Events.ToArray());
        Assert.Equal(1, first.Gossip.Member(Node(1))!.UpNumber);

        g = first.Gossip.JoinOk(Node(1), Node(2), "worker").JoinOk(Node(1), Node(3), "worker");
        var second = g.ConvergedLeaderActions(Node(1));

        Assert.Equal([1, 2, 3], second.Gossip.Members.Select(m => m.UpNumber).ToArray());
        Assert.All(second.Gossip.Members, m => Assert.Equal(MemberStatus.Up, m.Status));
        Assert.Equal([Node(2), Node(3)], second.Events.Cast<MemberUp>().Select(e => e.Member.Node).ToArray());
        Assert.Equal([Node(1)], second.Gossip.SeenBy.ToArray());
        Assert.Equal(g.Version[Node(1)] + 1, second.Gossip.Version[Node(1)]);
    }

    [Fact]
    public void Perform_NoConvergence_JoiningStaysJoining()
    {
        var g = UpCluster(2).JoinOk(Node(1), Node(3));

        var result = LeaderActions.Perform(g, Node(1), LeaderSettings.Default, T0);

        Assert.Equal(MemberStatus.Joining, result.Gossip.Member(Node(3))!.Status);
        Assert.Empty(result.Events);
    }

    [Fact]
    public void Perform_NoConvergenceWithWeaklyUpAllowed_JoiningBecomesWeaklyUpThenUp()
    {
        var settings = LeaderSettings.Default with { AllowWeaklyUp = true };
        var g = UpCluster(3).JoinOk(Node(1), Node(4)).MarkUnreachable(Node(1), Node(3));

        var weakly = LeaderActions.Perform(g, Node(1), settings, T0);
        Assert.Equal(MemberStatus.WeaklyUp, weakly.Gossip.Member(Node(4))!.Status);
        Assert.Equal([typeof(MemberWeaklyUp)], weakly.Events.Select(e => e.GetType()).ToArray());

        var healed = weakly.Gossip.MarkReachable(Node(1), Node(3)).ConvergedLeaderActions(Node(1), settings);
        Assert.Equal(MemberStatus.Up, healed.Gossip.Member(Node(4))!.Status);
        Assert.Equal(4, healed.Gossip.Member(Node(4))!.UpNumber);
    }

    [Fact]
    public void Perform_MinNrOfMembers_WaitsUntilEnoughJoined()
    {
        var settings = LeaderSettings.Default with { MinNrOfMembers = 3 };
        var g = Gossip.Empty.JoinOk(Node(1), Node(1)).JoinOk(Node(1), Node(2));

        Assert.Empty(g.ConvergedLeaderActions(Node(1), settings).Events);

        var up = g.JoinOk(Node(1), Node(3)).ConvergedLeaderActions(Node(1), settings);
        Assert.All(up.Gossip.Members, m => Assert.Equal(MemberStatus.Up, m.Status));
    }

    [Fact]
    public void Perform_MinNrOfMembersOfRole_WaitsForTwoWorkers()
    {
        var settings = LeaderSettings.Default with { MinNrOfMembersOfRole = ImmutableDictionary<string, int>.Empty.Add("worker", 2) };
        var g = Gossip.Empty.JoinOk(Node(1), Node(1), "seed").JoinOk(Node(1), Node(2), "worker").JoinOk(Node(1), Node(3), "seed");

        Assert.Empty(g.ConvergedLeaderActions(Node(1), settings).Events.OfType<MemberUp>());

        var up = g.JoinOk(Node(1), Node(4), "worker").ConvergedLeaderActions(Node(1), settings);
        Assert.Equal(4, up.Events.OfType<MemberUp>().Count());
    }

    [Fact]
    public void Perform_OneLeaves_ExitingThenRemoved()
    {
        var g = UpCluster(3).Leave(Node(2), Node(2).Address);
        Assert.Equal(MemberStatus.Leaving, g.Member(Node(2))!.Status);

        var exiting = g.ConvergedLeaderActions(Node(1));
        Assert.Equal(MemberStatus.Exiting, exiting.Gossip.Member(Node(2))!.Status);
        Assert.Equal([typeof(MemberExited)], exiting.Events.Select(e => e.GetType()).ToArray());

        Assert.Empty(LeaderActions.Perform(exiting.Gossip, Node(1), LeaderSettings.Default, T0).Events);

        var removed = exiting.Gossip.ConvergedLeaderActions(Node(1));
        Assert.False(removed.Gossip.HasMember(Node(2)));
        Assert.Equal(T0, removed.Gossip.Tombstones[Node(2)]);
        var e = Assert.IsType<MemberRemoved>(Assert.Single(removed.Events));
        Assert.Equal(MemberStatus.Exiting, e.PreviousStatus);
        Assert.Equal(MemberStatus.Removed, e.Member.Status);
    }

    [Fact]
    public void Perform_LeaderLeaves_NextMemberTakesOverAndRemovesIt()
    {
        var g = UpCluster(3).Leave(Node(1), Node(1).Address);
        Assert.Equal(Node(1), g.Leader(Node(2)));

        var exiting = g.ConvergedLeaderActions(Node(1)).Gossip;
        Assert.Equal(Node(2), exiting.Leader(Node(2)));

        var removed = exiting.ConvergedLeaderActions(Node(2));
        Assert.Equal([Node(2), Node(3)], removed.Gossip.Members.Select(m => m.Node).ToArray());
        Assert.Contains(new LeaderChanged(Node(2)), ClusterEvents.Diff(g, exiting, Node(2)));
    }

    [Fact]
    public void Perform_UnreachableDowned_RemovedWhenRestConverged()
    {
        var g = UpCluster(3).MarkUnreachable(Node(1), Node(3)).Down(Node(1), Node(3));

        var notYet = LeaderActions.Perform(g, Node(1), LeaderSettings.Default, T0);
        Assert.Empty(notYet.Events);

        var removed = g.Seen(Node(2)).ConvergedLeaderActions(Node(1));
        Assert.False(removed.Gossip.HasMember(Node(3)));
        Assert.True(removed.Gossip.Reachability.IsAllReachable);
        Assert.Equal(MemberStatus.Down, Assert.IsType<MemberRemoved>(Assert.Single(removed.Events)).PreviousStatus);
    }

    [Fact]
    public void Join_RestartedNodeNewUid_JoinsOnlyAfterOldIncarnationRemoved()
    {
        var g = UpCluster(3);
        var restarted = Node(2, uid: 2);

        var (downed, first) = g.Join(Node(1), restarted, ["worker"]);
        Assert.Equal(JoinOutcome.PreviousIncarnationDowned, first);
        Assert.Equal(MemberStatus.Down, downed.Member(Node(2))!.Status);
        Assert.False(downed.HasMember(restarted));

        var (pending, second) = downed.Join(Node(1), restarted);
        Assert.Equal(JoinOutcome.PreviousIncarnationPending, second);
        Assert.Same(downed, pending);

        var removed = downed.ConvergedLeaderActions(Node(1)).Gossip;
        Assert.False(removed.HasMember(Node(2)));

        var (joined, third) = removed.Join(Node(1), restarted, ["worker"]);
        Assert.Equal(JoinOutcome.Joined, third);
        var up = joined.ConvergedLeaderActions(Node(1)).Gossip;
        Assert.Equal(MemberStatus.Up, up.Member(restarted)!.Status);
        Assert.Equal(4, up.Member(restarted)!.UpNumber);

        Assert.Equal(JoinOutcome.RemovedIncarnation, up.Join(Node(1), Node(2)).Outcome);
        Assert.Equal(JoinOutcome.AlreadyMember, up.Join(Node(1), restarted).Outcome);
    }
}
