using ActorCodistill.Cluster.Membership;
using static ActorCodistill.Cluster.Tests.Membership.MembershipTestNodes;

namespace ActorCodistill.Cluster.Tests.Membership;

[Trait("Category", "Unit")]
public class VectorClockTests
{
    [Fact]
    public void Compare_AllOrderings()
    {
        var a = VectorClock.Empty.Increment(Node(1));
        var ab = a.Increment(Node(2));
        var ac = a.Increment(Node(3));

        Assert.Equal(VectorClockOrdering.Same, a.Compare(VectorClock.Empty.Increment(Node(1))));
        Assert.Equal(VectorClockOrdering.Before, a.Compare(ab));
        Assert.Equal(VectorClockOrdering.After, ab.Compare(a));
        Assert.Equal(VectorClockOrdering.Concurrent, ab.Compare(ac));
        Assert.Equal(VectorClockOrdering.Same, VectorClock.Empty.Compare(VectorClock.Empty));
    }

    [Fact]
    public void Merge_PointwiseMax()
    {
        var x = VectorClock.Empty.Increment(Node(1)).Increment(Node(1)).Increment(Node(2));
        var y = VectorClock.Empty.Increment(Node(2)).Increment(Node(2)).Increment(Node(3));

        var merged = x.Merge(y);

        Assert.Equal((2L, 2L, 1L), (merged[Node(1)], merged[Node(2)], merged[Node(3)]));
        Assert.Equal(merged, y.Merge(x));
        Assert.Equal(VectorClockOrdering.After, merged.Compare(x));
    }
}
