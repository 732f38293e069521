using System.Collections.Immutable;
using ActorCodistill.Cluster.Membership;
using static ActorCodistill.Cluster.Tests.Membership.MembershipTestNodes;

namespace ActorCodistill.Cluster.Tests.Membership;

[Trait("Category", "Unit")]
public class KeepOldestTests
{
    private static readonly TimeSpan StableAfter = TimeSpan.FromSeconds(20);

    /// <summary>The view of <paramref name="self"/> in a 5-node cluster (node 1 the oldest) where it cannot reach <paramref name="unreachable"/>.</summary>
    private static DowningView View(int self, params int[] unreachable)
    {
        var g = UpCluster(5);
        foreach (var u in unreachable) g = g.MarkUnreachable(Node(self), Node(u));
        return DowningView.From(g, Node(self), T0);
    }

    private static DowningDecision Decide(DowningView view, bool downIfAlone) => new KeepOldest(StableAfter, downIfAlone).Decide(view, T0 + StableAfter);

    [Fact]
    public void UpCluster_NodeOneIsTheOldest()
    {
        var members = UpCluster(5).Members.OrderBy(m => m.UpNumber).ThenBy(m => m.Node, UniqueAddressComparer.Instance).ToList();
        Assert.Equal(Node(1), members[0].Node);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void OldestOnTheSmallerSide_SurvivesAndTheMajorityDownsItself(bool downIfAlone)
    {
        // {1, 2} against {3, 4, 5}: keep-majority would keep {3, 4, 5}; keep-oldest keeps the side with node 1.
        var down = Assert.IsType<DowningDecision.DownTheseNodes>(Decide(View(2, 3, 4, 5), downIfAlone));
        Assert.Equal(new[] { Node(3), Node(4), Node(5) }, down.Nodes.ToArray());
        Assert.IsType<DowningDecision.DownMyself>(Decide(View(4, 1, 2), downIfAlone));
    }

    [Fact]
    public void OldestAlone_WithoutDownIfAlone_KeepsItselfAndEveryOtherNodeDownsItself()
    {
        // The training cluster's case: every worker node stalls at once; the seed (oldest) must stay.
        var down = Assert.IsType<DowningDecision.DownTheseNodes>(Decide(View(1, 2, 3, 4, 5), downIfAlone: false));
        Assert.Equal(4, down.Nodes.Count);
        Assert.IsType<DowningDecision.DownMyself>(Decide(View(3, 1), downIfAlone: false));
    }

    [Fact]
    public void OldestAlone_WithDownIfAlone_GivesWayAndTheOthersDownIt()
    {
        Assert.IsType<DowningDecision.DownMyself>(Decide(View(1, 2, 3, 4, 5), downIfAlone: true));
        var down = Assert.IsType<DowningDecision.DownTheseNodes>(Decide(View(3, 1), downIfAlone: true));
        Assert.Equal(new[] { Node(1) }, down.Nodes.ToArray());
    }

    [Fact]
    public void OneYoungerNodeUnreachable_IsDownedByTheOldestSide()
    {
        var down = Assert.IsType<DowningDecision.DownTheseNodes>(Decide(View(1, 5), downIfAlone: true));
        Assert.Equal(new[] { Node(5) }, down.Nodes.ToArray());
    }

    [Fact]
    public void BeforeStableAfter_Waits()
    {
        var decision = new KeepOldest(StableAfter).Decide(View(2, 3, 4, 5), T0 + StableAfter / 2);
        Assert.Contains("stable-after", Assert.IsType<DowningDecision.Wait>(decision).Reason);
    }

    [Fact]
    public void WithARole_TheOldestOfThatRoleDecides_NotTheOldestMember()
    {
        // Node 2 is the only member with role "seed": a cluster whose first Up member is a worker still keeps the seed's side.
        var g = UpCluster(5);
        g = g with { Members = g.Members.Select(m => m.Node == Node(2) ? m with { Roles = m.Roles.Add("seed") } : m).ToImmutableSortedSet(g.Members.KeyComparer) };
        var strategy = new KeepOldest(StableAfter, DownIfAlone: true, Role: "seed");
        var seedAlone = DowningView.From(g.MarkUnreachable(Node(2), Node(1)).MarkUnreachable(Node(2), Node(3)).MarkUnreachable(Node(2), Node(4)).MarkUnreachable(Node(2), Node(5)), Node(2), T0);
        Assert.Equal(4, Assert.IsType<DowningDecision.DownTheseNodes>(strategy.Decide(seedAlone, T0 + StableAfter)).Nodes.Count);
        var workerWithoutSeed = DowningView.From(g.MarkUnreachable(Node(1), Node(2)), Node(1), T0);
        Assert.IsType<DowningDecision.DownMyself>(strategy.Decide(workerWithoutSeed, T0 + StableAfter));
    }
}
