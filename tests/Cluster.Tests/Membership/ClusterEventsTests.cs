using ActorCodistill.Cluster.Membership;
using static ActorCodistill.Cluster.Tests.Membership.MembershipTestNodes;

namespace ActorCodistill.Cluster.Tests.Membership;

[Trait("Category", "Unit")]
public class ClusterEventsTests
{
    [Fact]
    public void Diff_SameGossip_NoEvents()
    {
        var g = UpCluster(3);
        Assert.Empty(ClusterEvents.Diff(g, g, Node(1)));
    }

    [Fact]
    public void Diff_FromEmptyToFirstNode_JoinedAndLeaderChanged()
    {
        var g = Gossip.Empty.JoinOk(Node(1), Node(1));

        var events = ClusterEvents.Diff(Gossip.Empty, g, Node(1));

        Assert.Equal(new ClusterEvent[] { new MemberJoined(g.Member(Node(1))!), new LeaderChanged(Node(1)) }, events.ToArray());
    }

    [Fact]
    public void Diff_StatusChanges_OneEventPerMemberInAddressOrder()
    {
        var old = UpCluster(4);
        var @new = old.JoinOk(Node(1), Node(5)).Leave(Node(1), Node(3).Address).Leave(Node(1), Node(2).Address).Down(Node(1), Node(4));

        var events = ClusterEvents.Diff(old, @new, Node(1));

        Assert.Equal(
            new[] { "MemberLeft:2", "MemberLeft:3", "MemberDowned:4", "MemberJoined:5" },
            events.Cast<MemberEvent>().Select(e => $"{e.GetType().Name}:{e.Member.Node.Address.Port - 2550}").ToArray());
    }

    [Fact]
    public void Diff_MemberGone_MemberRemovedWithPreviousStatus()
    {
        var old = UpCluster(3).Leave(Node(3), Node(3).Address).ConvergedLeaderActions(Node(1)).Gossip;
        var @new = old.ConvergedLeaderActions(Node(1)).Gossip;

        var removed = Assert.IsType<MemberRemoved>(Assert.Single(ClusterEvents.Diff(old, @new, Node(1))));

        Assert.Equal(Node(3), removed.Member.Node);
        Assert.Equal(MemberStatus.Removed, removed.Member.Status);
        Assert.Equal(MemberStatus.Exiting, removed.PreviousStatus);
    }

    [Fact]
    public void Diff_UnreachableThenReachable_EventsForOthersOnly()
    {
        var g = UpCluster(3);
        var unreachable = g.MarkUnreachable(Node(2), Node(3)).MarkUnreachable(Node(2), Node(1));

        Assert.Equal(new ClusterEvent[] { new UnreachableMember(g.Member(Node(3))!) }, ClusterEvents.Diff(g, unreachable, Node(1)).ToArray());

        var reachable = unreachable.MarkReachable(Node(2), Node(3));
        Assert.Equal(new ClusterEvent[] { new ReachableMember(g.Member(Node(3))!) }, ClusterEvents.Diff(unreachable, reachable, Node(1)).ToArray());
    }

    [Fact]
    public void Diff_LeaderBecomesUnreachable_UnreachableAndLeaderChanged()
    {
        var g = UpCluster(3);
        var partitioned = g.MarkUnreachable(Node(2), Node(1));

        var events = ClusterEvents.Diff(g, partitioned, Node(2));

        Assert.Equal(new ClusterEvent[] { new UnreachableMember(g.Member(Node(1))!), new LeaderChanged(Node(2)) }, events.ToArray());
    }

    [Fact]
    public void Diff_MemberAppearsAlreadyUp_OnlyMemberUp()
    {
        var old = UpCluster(2);
        var @new = old.JoinOk(Node(1), Node(3)).ConvergedLeaderActions(Node(1)).Gossip;

        var up = Assert.IsType<MemberUp>(Assert.Single(ClusterEvents.Diff(old, @new, Node(2))));

        Assert.Equal(Node(3), up.Member.Node);
    }
}
