using ActorCodistill.Cluster.Membership;
using static ActorCodistill.Cluster.Tests.Membership.MembershipTestNodes;

namespace ActorCodistill.Cluster.Tests.Membership;

[Trait("Category", "Unit")]
public class GossipMergeTests
{
    /// <summary>
    /// Random but realistic gossips: each node keeps its own view and changes it only through the Gossip API
    /// (joins, leaves, downs, reachability marks, leader actions) or by merging another node's view, as a real
    /// cluster does. Every snapshot is kept, so pairs range from identical to far apart and concurrent.
    /// </summary>
    private static List<Gossip> History(int seed, int steps = 80)
    {
        var rng = new Random(seed);
        var pool = new List<Gossip>();
        var first = Node(1);
        var views = new Dictionary<UniqueAddress, Gossip> { [first] = Gossip.Empty.JoinOk(first, first) };
        var nextPort = 2;
        var time = T0;
        for (var step = 0; step < steps; step++)
        {
            time += TimeSpan.FromSeconds(1);
            var holders = views.Keys.OrderBy(n => n).ToList();
            var self = holders[rng.Next(holders.Count)];
            var view = views[self];
            var members = view.Members.ToList();
            var other = members.Count > 0 ? members[rng.Next(members.Count)].Node : self;
            var selfIsMember = view.HasMember(self);
            switch (rng.Next(9))
            {
                case 0 when nextPort <= 7 && selfIsMember:
                    var joiner = rng.Next(4) == 0 && nextPort > 2
                        ? Node(rng.Next(1, nextPort), uid: 2 + step)
                        : Node(nextPort++);
                    var (joined, outcome) = view.Join(self, joiner, rng.Next(2) == 0 ? ["worker"] : ["seed"]);
                    view = joined;
                    if (outcome == JoinOutcome.Joined)
                    {
                        views[joiner] = joined.Seen(joiner);
                    }

                    break;
                case 1 or 2:
                    var from = holders[rng.Next(holders.Count)];
                    view = view.Merge(views[from]).Seen(self);
                    break;
                case 3 when selfIsMember:
                    view = view.Leave(self, other.Address);
                    break;
                case 4 when selfIsMember && rng.Next(3) == 0:
                    view = view.Down(self, other);
                    break;
                case 5 when selfIsMember && other != self:
                    view = view.MarkUnreachable(self, other);
                    break;
                case 6 when selfIsMember && other != self:
                    view = view.MarkReachable(self, other);
                    break;
                case 7 or 8:
                    var settings = LeaderSettings.Default with { AllowWeaklyUp = rng.Next(2) == 0 };
                    view = LeaderActions.Perform(view, self, settings, time).Gossip;
                    break;
            }

            views[self] = view;
            pool.Add(view);
        }

        return pool;
    }

    private static IEnumerable<(Gossip A, Gossip B, Gossip C)> Triples(int seeds, int perSeed)
    {
        for (var seed = 0; seed < seeds; seed++)
        {
            var pool = History(seed);
            var rng = new Random(1000 + seed);
            for (var i = 0; i < perSeed; i++)
            {
                yield return (pool[rng.Next(pool.Count)], pool[rng.Next(pool.Count)], pool[rng.Next(pool.Count)]);
            }
        }
    }

    [Fact]
    public void History_SameSeed_SameGossips()
    {
        Assert.Equal(History(7), History(7));
    }

    [Fact]
    public void History_Generator_ProducesConcurrentVersionsAndEveryStatus()
    {
        var all = Enumerable.Range(0, 20).SelectMany(s => History(s)).ToList();
        var pairs = Triples(20, 20).ToList();
        Assert.Contains(pairs, t => t.A.Version.Compare(t.B.Version) == VectorClockOrdering.Concurrent);
        Assert.Contains(all, g => !g.Reachability.IsAllReachable);
        Assert.Contains(all, g => !g.Tombstones.IsEmpty);
        foreach (var status in new[] { MemberStatus.Joining, MemberStatus.Up, MemberStatus.Leaving, MemberStatus.Exiting, MemberStatus.Down })
        {
            Assert.Contains(all, g => g.Members.Any(m => m.Status == status));
        }
    }

    [Fact]
    public void Merge_SeededRandomPairs_IsCommutative()
    {
        var count = 0;
        foreach (var (a, b, _) in Triples(seeds: 30, perSeed: 20))
        {
            Assert.Equal(a.Merge(b), b.Merge(a));
            count++;
        }

        Assert.Equal(600, count);
    }

    [Fact]
    public void Merge_SeededRandomTriples_IsAssociative()
    {
        foreach (var (a, b, c) in Triples(seeds: 30, perSeed: 20))
        {
            Assert.Equal(a.Merge(b).Merge(c), a.Merge(b.Merge(c)));
        }
    }

    [Fact]
    public void Merge_SeededRandomGossips_IsIdempotent()
    {
        foreach (var (a, b, _) in Triples(seeds: 30, perSeed: 20))
        {
            Assert.Equal(a, a.Merge(a));
            var ab = a.Merge(b);
            Assert.Equal(ab, ab.Merge(b));
        }
    }

    [Fact]
    public void Merge_ConcurrentStatuses_KeepsLaterStageAndClearsSeen()
    {
        var g = UpCluster(3);
        var left = g.Leave(Node(1), Node(2).Address);
        var downed = g.Down(Node(3), Node(2));

        var merged = left.Merge(downed);

        Assert.Equal(VectorClockOrdering.Concurrent, left.Version.Compare(downed.Version));
        Assert.Equal(MemberStatus.Down, merged.Member(Node(2))!.Status);
        Assert.Empty(merged.SeenBy);
        Assert.Equal(1, merged.Version[Node(1)] - g.Version[Node(1)]);
        Assert.Equal(1, merged.Version[Node(3)]);
    }

    [Fact]
    public void Merge_SameVersion_UnitesSeen()
    {
        var g = UpCluster(3);
        var changed = g.Leave(Node(1), Node(3).Address);

        var merged = changed.Seen(Node(2)).Merge(changed.Seen(Node(3)));

        Assert.Equal(new[] { Node(1), Node(2), Node(3) }, merged.SeenBy.Order().ToArray());
    }

    [Fact]
    public void Merge_WithOlderGossip_DoesNotResurrectRemovedMember()
    {
        var g = UpCluster(3);
        var old = g.Leave(Node(3), Node(3).Address).Seen(Node(3)).Seen(Node(2));
        var exiting = old.ConvergedLeaderActions(Node(1)).Gossip;
        var removed = exiting.ConvergedLeaderActions(Node(1)).Gossip;
        var staleConcurrent = old.MarkUnreachable(Node(2), Node(3));

        var merged = removed.Merge(staleConcurrent);

        Assert.Equal(VectorClockOrdering.Concurrent, removed.Version.Compare(staleConcurrent.Version));
        Assert.False(merged.HasMember(Node(3)));
        Assert.True(merged.Reachability.IsAllReachable);
        Assert.True(merged.Tombstones.ContainsKey(Node(3)));
    }
}
