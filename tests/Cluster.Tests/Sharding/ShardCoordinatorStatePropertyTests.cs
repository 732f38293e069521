using System.Collections.Immutable;
using ActorCodistill.Cluster.Membership;
using ActorCodistill.Cluster.Sharding;

namespace ActorCodistill.Cluster.Tests.Sharding;

[Trait("Category", "Unit")]
public sealed class ShardCoordinatorStatePropertyTests
{
    private static readonly string[] Slots = ["cuda:0", "cuda:1"];

    public static TheoryData<int> Seeds()
    {
        var data = new TheoryData<int>();
        foreach (var seed in Enumerable.Range(1, 40))
        {
            data.Add(seed);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void RandomJoinLeaveAllocateRebalance_EveryShardOnExactlyOneLiveRegionNoneLost(int seed)
    {
        var random = new Random(seed);
        var state = ShardCoordinatorState.Empty;
        var known = new HashSet<string>(StringComparer.Ordinal);
        var nextNode = 1;

        for (var step = 0; step < 300; step++)
        {
            var live = state.Regions.Keys.ToList();
            switch (random.Next(10))
            {
                case 0 or 1 when live.Count < 6:
                    var devices = Slots.Where(_ => random.Next(2) == 0).ToImmutableArray();
                    state = state.RegisterRegion(ShardCoordinatorStateTests.Node(nextNode++), devices).State;
                    break;
                case 2 when live.Count > 0:
                    state = state.RegionTerminated(live[random.Next(live.Count)]).State;
                    break;
                case 3 or 4 or 5 when live.Count > 0:
                    var pinned = random.Next(5) == 0;
                    var index = random.Next(pinned ? 4 : 20);
                    var shard = pinned ? $"w/{index}" : $"{index}";
                    state = state.Allocate(shard, live[random.Next(live.Count)], pinned ? Slots[index % 2] : null).State;
                    if (state.Shards.ContainsKey(shard) || state.Unallocated.Contains(shard))
                    {
                        known.Add(shard);
                    }

                    break;
                case 6:
                    foreach (var move in state.Rebalance(threshold: 2, maxSimultaneous: 3))
                    {
                        state = state.BeginHandoff(move).State;
                    }

                    break;
                case 7 when !state.Handoffs.IsEmpty:
                    var plan = state.Handoffs.Values.ElementAt(random.Next(state.Handoffs.Count));
                    if (!plan.PendingAcks.IsEmpty)
                    {
                        state = state.BeginHandoffAcked(plan.Shard, plan.PendingAcks.ElementAt(random.Next(plan.PendingAcks.Count))).State;
                    }

                    break;
                case 8:
                    state = state.AdvanceHandoffs().State;
                    break;
                case 9 when !state.Handoffs.IsEmpty:
                    var stopping = state.Handoffs.Values.Where(p => p.Phase == HandoffPhase.Stopping).ToList();
                    if (stopping.Count > 0)
                    {
                        state = state.ShardStopped(stopping[random.Next(stopping.Count)].Shard).State;
                    }

                    break;
            }

            AssertInvariants(state, known, seed, step);
        }
    }

    private static void AssertInvariants(ShardCoordinatorState state, HashSet<string> known, int seed, int step)
    {
        var where = $"seed {seed} step {step}";
        foreach (var (shard, region) in state.Shards)
        {
            Assert.True(state.Regions.ContainsKey(region), $"{where}: shard {shard} on dead region {region}");
            Assert.False(state.Unallocated.Contains(shard), $"{where}: shard {shard} both allocated and homeless");
        }

        foreach (var shard in known)
        {
            Assert.True(state.Shards.ContainsKey(shard) || state.Unallocated.Contains(shard), $"{where}: shard {shard} lost");
        }

        var views = state.RegionViews();
        foreach (var shard in state.Unallocated)
        {
            // Only pinned shards may stay homeless while a region lives, and only if their slot is truly unavailable.
            Assert.True(state.IsPinned(shard) || views.IsEmpty, $"{where}: unpinned shard {shard} homeless with live regions");
            if (state.IsPinned(shard))
            {
                Assert.IsType<AllocationDecision.Refused>(PinnedAllocation.Allocate(shard, state.PinnedSlots[shard], views, state.PinnedSlots));
            }
        }

        foreach (var (shard, slot) in state.PinnedSlots.Where(p => state.Shards.ContainsKey(p.Key)))
        {
            var region = state.Shards[shard];
            Assert.Contains(slot, state.Regions[region]);
            Assert.Single(state.PinnedSlots, p => p.Value == slot && state.Shards.TryGetValue(p.Key, out var r) && r.Equals(region));
        }

        foreach (var plan in state.Handoffs.Values)
        {
            Assert.Equal(plan.From, state.Shards[plan.Shard]);
            Assert.False(state.IsPinned(plan.Shard), $"{where}: pinned shard {plan.Shard} in handoff");
            Assert.True(plan.PendingAcks.All(state.Regions.ContainsKey), $"{where}: handoff of {plan.Shard} waits on a dead region");
        }
    }
}
