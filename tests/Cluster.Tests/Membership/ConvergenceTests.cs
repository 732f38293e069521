using ActorCodistill.Cluster.Membership;
using static ActorCodistill.Cluster.Tests.Membership.MembershipTestNodes;

namespace ActorCodistill.Cluster.Tests.Membership;

[Trait("Category", "Unit")]
public class ConvergenceTests
{
    [Fact]
    public void Convergence_AllUpMembersSeen_True()
    {
        Assert.True(UpCluster(3).Convergence(Node(1)));
    }

    [Fact]
    public void Convergence_OneUpMemberHasNotSeen_False()
    {
        var g = UpCluster(3).Leave(Node(1), Node(2).Address).Seen(Node(2));

        Assert.False(g.Convergence(Node(1)));
        Assert.True(g.Seen(Node(3)).Convergence(Node(1)));
    }

    [Fact]
    public void Convergence_JoiningMemberHasNotSeen_StillTrue()
    {
        var g = UpCluster(2).JoinOk(Node(1), Node(3)).SeenByAll();
        g = g with { SeenBy = g.SeenBy.Remove(Node(3)) };

        Assert.True(g.Convergence(Node(1)));
    }

    [Fact]
    public void Convergence_UnreachableUpMember_FalseEvenIfSeenByAll()
    {
        var g = UpCluster(3).MarkUnreachable(Node(1), Node(3)).SeenByAll();

        Assert.False(g.Convergence(Node(1)));
    }

    [Fact]
    public void Convergence_UnreachableMemberDowned_True()
    {
        var g = UpCluster(3).MarkUnreachable(Node(1), Node(3)).Down(Node(1), Node(3)).Seen(Node(2));

        Assert.True(g.Convergence(Node(1)));
    }

    [Fact]
    public void Convergence_UnreachableMemberExiting_True()
    {
        var g = UpCluster(3).Leave(Node(3), Node(3).Address).ConvergedLeaderActions(Node(1)).Gossip;
        Assert.Equal(MemberStatus.Exiting, g.Member(Node(3))!.Status);

        g = g.MarkUnreachable(Node(1), Node(3)).Seen(Node(2));

        Assert.True(g.Convergence(Node(1)));
    }

    [Fact]
    public void Convergence_OnlyObserverOfUnreachabilityIsDown_True()
    {
        var g = UpCluster(3).MarkUnreachable(Node(3), Node(2)).Down(Node(1), Node(3)).Seen(Node(2));

        Assert.True(g.Convergence(Node(1)));
    }

    [Fact]
    public void Convergence_SelfMarkedUnreachableByOthers_IgnoredForSelf()
    {
        var g = UpCluster(2).MarkUnreachable(Node(2), Node(1)).SeenByAll();

        Assert.True(g.Convergence(Node(1)));
        Assert.False(g.Convergence(Node(2)));
    }
}
