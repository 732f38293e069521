using ActorCodistill.Cluster.Membership;
using static ActorCodistill.Cluster.Tests.Membership.MembershipTestNodes;

namespace ActorCodistill.Cluster.Tests.Membership;

[Trait("Category", "Unit")]
public class ReachabilityTests
{
    private static readonly HashSet<UniqueAddress> All = [Node(1), Node(2), Node(3)];

    [Fact]
    public void Unreachable_ThenReachable_BumpsObserverVersionAndDropsAllReachableRows()
    {
        var r = Reachability.Empty.Unreachable(Node(1), Node(2));
        Assert.False(r.IsReachable(Node(2)));
        Assert.Equal(1, r.Versions[Node(1)]);
        Assert.Same(r, r.Unreachable(Node(1), Node(2)));

        var back = r.Reachable(Node(1), Node(2));
        Assert.True(back.IsAllReachable);
        Assert.Empty(back.Records);
        Assert.Equal(2, back.Versions[Node(1)]);
    }

    [Fact]
    public void Merge_PerObserver_NewerVersionWins()
    {
        var old = Reachability.Empty.Unreachable(Node(1), Node(3)).Unreachable(Node(2), Node(3));
        var healedBy1 = old.Reachable(Node(1), Node(3));

        var merged = old.Merge(All, healedBy1);

        Assert.Equal([Node(2)], merged.Records.Select(r => r.Observer).ToArray());
        Assert.Equal(merged, healedBy1.Merge(All, old));
        Assert.False(merged.IsReachable(Node(3)));
        Assert.True(merged.Reachable(Node(2), Node(3)).IsAllReachable);
    }

    [Fact]
    public void Merge_DropsRowsOfNodesNotAllowed()
    {
        var r = Reachability.Empty.Unreachable(Node(1), Node(3)).Unreachable(Node(3), Node(2));

        var merged = r.Merge(new HashSet<UniqueAddress> { Node(1), Node(2) }, Reachability.Empty);

        Assert.True(merged.IsAllReachable);
        Assert.False(merged.Versions.ContainsKey(Node(3)));
    }
}
