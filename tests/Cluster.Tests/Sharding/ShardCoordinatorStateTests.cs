using System.Collections.Immutable;
using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.Membership;
using ActorCodistill.Cluster.Sharding;

namespace ActorCodistill.Cluster.Tests.Sharding;

[Trait("Category", "Unit")]
public sealed class ShardCoordinatorStateTests
{
    internal static UniqueAddress Node(int n) => new(new Address(Address.DefaultProtocol, "sys", $"10.0.0.{n}", 2551), 1);

    private static readonly UniqueAddress N1 = Node(1);
    private static readonly UniqueAddress N2 = Node(2);
    private static readonly UniqueAddress N3 = Node(3);
    private static readonly UniqueAddress N4 = Node(4);

    private static ShardCoordinatorState With(params (UniqueAddress Node, string[] Devices)[] regions)
    {
        var state = ShardCoordinatorState.Empty;
        foreach (var (node, devices) in regions)
        {
            state = state.RegisterRegion(node, [.. devices]).State;
        }

        return state;
    }

    private static ShardCoordinatorState AllocateAll(ShardCoordinatorState state, IEnumerable<string> shards, UniqueAddress requester)
    {
        foreach (var shard in shards)
        {
            var result = state.Allocate(shard, requester);
            Assert.IsType<AllocationDecision.To>(result.Decision);
            state = result.State;
        }

        return state;
    }

    private static UniqueAddress HomeOf(AllocationResult result) => Assert.IsType<AllocationDecision.To>(result.Decision).Region;

    [Fact]
    public void Allocate_ThreeRegionsTenShards_RoundRobinByAddressBalancedWithinOne()
    {
        var state = With((N3, []), (N1, []), (N2, []));
        var homes = new List<UniqueAddress>();
        for (var i = 0; i < 10; i++)
        {
            var result = state.Allocate(i.ToString(System.Globalization.CultureInfo.InvariantCulture), N3);
            homes.Add(HomeOf(result));
            state = result.State;
        }

        Assert.Equal([N1, N2, N3, N1, N2, N3, N1, N2, N3, N1], homes);
        Assert.Equal([4, 3, 3], new[] { N1, N2, N3 }.Select(n => state.ShardsOf(n).Count));
    }

    [Fact]
    public void Allocate_AlreadyAllocated_ReturnsSameHomeUnchanged()
    {
        var state = With((N1, []), (N2, [])).Allocate("7", N2).State;
        var again = state.Allocate("7", N2);
        Assert.Equal(N1, HomeOf(again));
        Assert.Same(state, again.State);
    }

    [Fact]
    public void Allocate_UnregisteredRequester_RefusedNamingRequester()
    {
        var result = With((N1, [])).Allocate("1", N2);
        var refused = Assert.IsType<AllocationDecision.Refused>(result.Decision);
        Assert.Contains(N2.ToString(), refused.Reason);
        Assert.Empty(result.State.Shards);
    }

    [Fact]
    public void Allocate_Pinned_GoesToNodeOfferingSlotEvenIfLoaded()
    {
        var state = AllocateAll(With((N1, []), (N2, ["cuda:0"]), (N3, ["cuda:1"])), ["0", "1", "2", "3", "4", "5"], N1);
        var result = state.Allocate("g/1", N1, "cuda:1");
        Assert.Equal(N3, HomeOf(result));
        Assert.True(result.State.IsPinned("g/1"));
    }

    [Fact]
    public void Allocate_PinnedSlotNowhere_RefusedNamingSlotAndWaits()
    {
        var result = With((N1, ["cuda:0"]), (N2, [])).Allocate("g/0", N1, "cuda:7");
        var refused = Assert.IsType<AllocationDecision.Refused>(result.Decision);
        Assert.Contains("'cuda:7'", refused.Reason);
        Assert.Contains("'g/0'", refused.Reason);
        Assert.Contains("g/0", result.State.Unallocated);

        var update = result.State.RegisterRegion(N3, ["cuda:7"]);
        Assert.Equal([("g/0", N3)], update.Allocated.ToArray());
        Assert.Empty(update.State.Unallocated);
    }

    [Fact]
    public void Allocate_PinnedSlotTaken_NextOfferingNodeElseRefusedNamingHolders()
    {
        var state = With((N1, ["cuda:0"]), (N2, ["cuda:0"]));
        var first = state.Allocate("g/0", N1, "cuda:0");
        Assert.Equal(N1, HomeOf(first));
        var second = first.State.Allocate("g/1", N1, "cuda:0");
        Assert.Equal(N2, HomeOf(second));
        var third = second.State.Allocate("g/2", N1, "cuda:0");
        var refused = Assert.IsType<AllocationDecision.Refused>(third.Decision);
        Assert.Contains("taken", refused.Reason);
        Assert.Contains(N2.ToString(), refused.Reason);
    }

    [Fact]
    public void Allocate_PinnedWithOtherSlot_Throws()
    {
        var state = With((N1, ["cuda:0", "cuda:1"])).Allocate("g/0", N1, "cuda:0").State;
        var ex = Assert.Throws<ArgumentException>(() => state.Allocate("g/0", N1, "cuda:1"));
        Assert.Contains("'cuda:0'", ex.Message);
    }

    [Fact]
    public void RegionTerminated_ShardsMoveToSurvivors_PinnedWaitForSlot()
    {
        var state = AllocateAll(With((N1, []), (N2, []), (N3, ["cuda:1"])), Enumerable.Range(0, 9).Select(i => $"{i}"), N1);
        state = state.Allocate("g/1", N1, "cuda:1").State;
        var lost = state.ShardsOf(N3);
        Assert.Equal(["2", "5", "8", "g/1"], lost);

        var update = state.RegionTerminated(N3);
        Assert.Equal([("2", N1), ("5", N2), ("8", N1)], update.Allocated.ToArray());
        var refused = Assert.Single(update.Refused);
        Assert.Equal("g/1", refused.Shard);
        Assert.Contains("'cuda:1'", refused.Reason);
        Assert.Equal(["g/1"], update.State.Unallocated);
        Assert.DoesNotContain(N3, update.State.Shards.Values);
        Assert.Equal(9, update.State.Shards.Count);

        var joined = update.State.RegisterRegion(N4, ["cuda:1"]);
        Assert.Equal([("g/1", N4)], joined.Allocated.ToArray());
        Assert.Equal(N4, joined.State.Shards["g/1"]);
    }

    [Fact]
    public void RegionTerminated_Unknown_NoChange()
    {
        var state = With((N1, []));
        Assert.Same(state, state.RegionTerminated(N2).State);
    }

    private static ShardCoordinatorState Unbalanced()
    {
        // Everything lands on N1 while it is alone, then two empty regions join.
        var state = AllocateAll(With((N1, ["cuda:0"])), ["0", "1", "2", "3", "4", "5"], N1);
        state = state.Allocate("w/0", N1, "cuda:0").State;
        return state.RegisterRegion(N2, []).State.RegisterRegion(N3, []).State;
    }

    [Fact]
    public void Rebalance_SevenOnOneOfThree_MovesFourUnpinnedInOrder()
    {
        var moves = Unbalanced().Rebalance(threshold: 2, maxSimultaneous: 10);
        Assert.Equal(
            [new ShardMove("0", N1, N2), new ShardMove("1", N1, N3), new ShardMove("2", N1, N2), new ShardMove("3", N1, N3)],
            moves.ToArray());
    }

    [Fact]
    public void Rebalance_LimitedSimultaneous_CountsRunningHandoffs()
    {
        var state = Unbalanced();
        Assert.Equal(2, state.Rebalance(2, 2).Length);
        var running = state.BeginHandoff(new ShardMove("0", N1, N2)).State;
        var moves = running.Rebalance(2, 2);
        Assert.Equal([new ShardMove("1", N1, N3)], moves.ToArray());
    }

    [Fact]
    public void Rebalance_HighThresholdOrOnlyPinned_NoMoves()
    {
        Assert.Empty(Unbalanced().Rebalance(threshold: 8, maxSimultaneous: 10));

        var pinnedOnly = With((N1, ["cuda:0", "cuda:1", "cuda:2"]));
        foreach (var i in new[] { 0, 1, 2 })
        {
            pinnedOnly = pinnedOnly.Allocate($"w/{i}", N1, $"cuda:{i}").State;
        }

        Assert.Empty(pinnedOnly.RegisterRegion(N2, []).State.Rebalance(threshold: 1, maxSimultaneous: 10));
    }

    [Fact]
    public void Rebalance_DifferenceOfOne_NoMoveEvenAtThresholdOne()
    {
        var state = AllocateAll(With((N1, []), (N2, [])), ["0", "1", "2"], N1);
        Assert.Empty(state.Rebalance(threshold: 1, maxSimultaneous: 10));
    }

    [Fact]
    public void Handoff_FullSequence_StopsOldThenAllocatesNew()
    {
        var state = Unbalanced();
        var begin = state.BeginHandoff(new ShardMove("0", N1, N2));
        var send = Assert.IsType<HandoffCommand.SendBeginHandoff>(Assert.Single(begin.Commands));
        Assert.Equal([N1, N2, N3], send.Regions.ToArray());
        Assert.Equal(N1, begin.State.Shards["0"]);
        Assert.IsType<AllocationDecision.Refused>(begin.State.Allocate("0", N3).Decision);

        var a1 = begin.State.BeginHandoffAcked("0", N1);
        Assert.Empty(a1.Commands);
        var a2 = a1.State.BeginHandoffAcked("0", N3);
        Assert.Empty(a2.Commands);
        var a3 = a2.State.BeginHandoffAcked("0", N2);
        Assert.Equal([new HandoffCommand.SendHandoff("0", N1)], a3.Commands.ToArray());
        Assert.Equal(HandoffPhase.Stopping, a3.State.Handoffs["0"].Phase);

        var stopped = a3.State.ShardStopped("0");
        Assert.Equal([("0", N2)], stopped.Allocated.ToArray());
        Assert.Equal(N2, stopped.State.Shards["0"]);
        Assert.Empty(stopped.State.Handoffs);
        Assert.Equal(N2, HomeOf(stopped.State.Allocate("0", N3)));
    }

    [Fact]
    public void Handoff_ShardStoppedBeforeAcks_Ignored()
    {
        var begin = Unbalanced().BeginHandoff(new ShardMove("0", N1, N2));
        Assert.Same(begin.State, begin.State.ShardStopped("0").State);
    }

    [Fact]
    public void BeginHandoff_PinnedShard_ThrowsNamingSlot()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => Unbalanced().BeginHandoff(new ShardMove("w/0", N1, N2)));
        Assert.Contains("'cuda:0'", ex.Message);
    }

    [Fact]
    public void Handoff_TargetDiesWhileAwaitingAcks_StopsThenLeastShards()
    {
        var begin = Unbalanced().BeginHandoff(new ShardMove("0", N1, N2));
        var acked = begin.State.BeginHandoffAcked("0", N1).State.BeginHandoffAcked("0", N3).State;
        var died = acked.RegionTerminated(N2).State;
        Assert.Null(died.Handoffs["0"].To);
        var advanced = died.AdvanceHandoffs();
        Assert.Equal([new HandoffCommand.SendHandoff("0", N1)], advanced.Commands.ToArray());
        var stopped = advanced.State.ShardStopped("0");
        Assert.Equal([("0", N3)], stopped.Allocated.ToArray());
    }

    [Fact]
    public void Handoff_SourceDies_HandoffDroppedShardReplaced()
    {
        var begin = Unbalanced().BeginHandoff(new ShardMove("0", N1, N2));
        var update = begin.State.RegionTerminated(N1);
        Assert.Empty(update.State.Handoffs);
        Assert.Contains(update.Allocated, a => a.Shard == "0");
        Assert.Equal(["w/0"], update.State.Unallocated);
        Assert.Equal(6, update.State.Shards.Count);
    }
}
