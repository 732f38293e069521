using ActorCodistill.Cluster.Membership;
using static ActorCodistill.Cluster.Tests.Membership.MembershipTestNodes;

namespace ActorCodistill.Cluster.Tests.Membership;

[Trait("Category", "Unit")]
public class KeepMajorityTests
{
    private static readonly TimeSpan StableAfter = TimeSpan.FromSeconds(20);
    private static readonly KeepMajority Strategy = new(StableAfter);

    /// <summary>The view of <paramref name="self"/> in a 5-node cluster where it cannot reach <paramref name="unreachable"/>.</summary>
    private static DowningView View(int self, params int[] unreachable)
    {
        var g = UpCluster(5);
        foreach (var u in unreachable)
        {
            g = g.MarkUnreachable(Node(self), Node(u));
        }

        return DowningView.From(g, Node(self), T0);
    }

    private static DowningDecision DecideStable(DowningView view) => Strategy.Decide(view, T0 + StableAfter);

    [Fact]
    public void Decide_ThreeTwoSplit_MajorityDownsMinority()
    {
        var decision = DecideStable(View(1, 4, 5));

        var down = Assert.IsType<DowningDecision.DownTheseNodes>(decision);
        Assert.Equal(new[] { Node(4), Node(5) }, down.Nodes.ToArray());
    }

    [Fact]
    public void Decide_TwoThreeSplit_MinorityDownsItself()
    {
        Assert.IsType<DowningDecision.DownMyself>(DecideStable(View(4, 1, 2, 3)));
    }

    [Fact]
    public void Decide_OneFourSplit_IsolatedNodeDownsItselfAndOthersDownIt()
    {
        Assert.IsType<DowningDecision.DownMyself>(DecideStable(View(3, 1, 2, 4, 5)));

        var down = Assert.IsType<DowningDecision.DownTheseNodes>(DecideStable(View(1, 3)));
        Assert.Equal(new[] { Node(3) }, down.Nodes.ToArray());
    }

    [Fact]
    public void Decide_TwoTwoTie_SideWithLowestAddressSurvives()
    {
        // 5 nodes, node 5 already Down and removed from the count: {1,2} vs {3,4}.
        var g = UpCluster(5).MarkUnreachable(Node(1), Node(5)).Down(Node(1), Node(5)).Seen(Node(2)).Seen(Node(3)).Seen(Node(4));
        g = g.ConvergedLeaderActions(Node(1)).Gossip;
        Assert.Equal(4, g.Members.Count);

        var lowSide = DowningView.From(g.MarkUnreachable(Node(1), Node(3)).MarkUnreachable(Node(1), Node(4)), Node(1), T0);
        var highSide = DowningView.From(g.MarkUnreachable(Node(3), Node(1)).MarkUnreachable(Node(3), Node(2)), Node(3), T0);

        Assert.Equal(new[] { Node(3), Node(4) }, Assert.IsType<DowningDecision.DownTheseNodes>(DecideStable(lowSide)).Nodes.ToArray());
        Assert.IsType<DowningDecision.DownMyself>(DecideStable(highSide));
    }

    [Fact]
    public void Decide_BeforeStableAfter_Waits()
    {
        var view = View(1, 4, 5);

        Assert.IsType<DowningDecision.Wait>(Strategy.Decide(view, T0 + StableAfter - TimeSpan.FromMilliseconds(1)));
        Assert.IsType<DowningDecision.DownTheseNodes>(Strategy.Decide(view, T0 + StableAfter));
    }

    [Fact]
    public void Decide_NothingUnreachable_Waits()
    {
        var wait = Assert.IsType<DowningDecision.Wait>(DecideStable(View(1)));
        Assert.Contains("no member is unreachable", wait.Reason);
    }

    [Fact]
    public void Observe_UnreachableSetChanges_RestartsStabilityClock()
    {
        var g = UpCluster(5).MarkUnreachable(Node(1), Node(5));
        var view = DowningView.From(g, Node(1), T0);

        var same = view.Observe(g.Seen(Node(2)), T0 + TimeSpan.FromSeconds(10));
        Assert.Equal(T0, same.StableSince);

        var grown = same.Observe(g.MarkUnreachable(Node(1), Node(4)), T0 + TimeSpan.FromSeconds(15));
        Assert.Equal(T0 + TimeSpan.FromSeconds(15), grown.StableSince);
        Assert.IsType<DowningDecision.Wait>(Strategy.Decide(grown, T0 + TimeSpan.FromSeconds(30)));
        Assert.IsType<DowningDecision.DownTheseNodes>(Strategy.Decide(grown, T0 + TimeSpan.FromSeconds(35)));
    }

    [Fact]
    public void Decide_RoleFilter_CountsOnlyMembersWithRole()
    {
        // Workers are nodes 3, 4, 5; node 1 (a seed) cannot reach 3, 4: by workers it is in the minority (1 of 3).
        var g = Gossip.Empty.JoinOk(Node(1), Node(1), "seed").JoinOk(Node(1), Node(2), "seed")
            .JoinOk(Node(1), Node(3), "worker").JoinOk(Node(1), Node(4), "worker").JoinOk(Node(1), Node(5), "worker")
            .ConvergedLeaderActions(Node(1)).Gossip
            .MarkUnreachable(Node(1), Node(3)).MarkUnreachable(Node(1), Node(4));
        var view = DowningView.From(g, Node(1), T0);

        Assert.IsType<DowningDecision.DownTheseNodes>(new KeepMajority(StableAfter).Decide(view, T0 + StableAfter));
        Assert.IsType<DowningDecision.DownMyself>(new KeepMajority(StableAfter, "worker").Decide(view, T0 + StableAfter));
        Assert.IsType<DowningDecision.Wait>(new KeepMajority(StableAfter, "gpu").Decide(view, T0 + StableAfter));
    }

    [Fact]
    public void Decide_JoiningMembersDoNotVote()
    {
        // 2 Up reachable vs 1 Up unreachable plus 2 Joining unreachable: by Up members this side wins 2 to 1.
        var g = UpCluster(3).JoinOk(Node(1), Node(4)).JoinOk(Node(1), Node(5))
            .MarkUnreachable(Node(1), Node(3)).MarkUnreachable(Node(1), Node(4)).MarkUnreachable(Node(1), Node(5));

        var down = Assert.IsType<DowningDecision.DownTheseNodes>(DecideStable(DowningView.From(g, Node(1), T0)));
        Assert.Equal(new[] { Node(3), Node(4), Node(5) }, down.Nodes.ToArray());
    }
}
