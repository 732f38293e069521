using System.Collections.Immutable;
using ActorCodistill.Cluster.Membership;

namespace ActorCodistill.Cluster.Sharding;

/// <summary>The outcome of an allocation request.</summary>
public sealed record AllocationResult(ShardCoordinatorState State, string Shard, AllocationDecision Decision);

/// <summary>
/// A change that may have (re)placed waiting shards: <see cref="Allocated"/> lists the new homes the actor must
/// announce (ShardHome), <see cref="Refused"/> the shards still homeless with the reason (pinned shards waiting
/// for a node offering their slot).
/// </summary>
public sealed record CoordinatorUpdate(
    ShardCoordinatorState State,
    ImmutableArray<(string Shard, UniqueAddress Region)> Allocated,
    ImmutableArray<(string Shard, string Reason)> Refused);

/// <summary>
/// The shard coordinator's state (Akka's <c>ShardCoordinator.State</c> plus its rebalance bookkeeping): live regions
/// with the device slots their members offer, where each shard lives, which shards are pinned to a slot, which
/// are homeless, and which are being handed off. Immutable; each method returns a new copy. Invariant: an
/// allocated shard lives on exactly one live region, and a shard is never both allocated and homeless.
/// </summary>
public sealed record ShardCoordinatorState(
    ImmutableSortedDictionary<UniqueAddress, ImmutableArray<string>> Regions,
    ImmutableSortedDictionary<string, UniqueAddress> Shards,
    ImmutableSortedDictionary<string, string> PinnedSlots,
    ImmutableSortedSet<string> Unallocated,
    ImmutableSortedDictionary<string, HandoffPlan> Handoffs)
{
    public static ShardCoordinatorState Empty { get; } = new(
        ImmutableSortedDictionary.Create<UniqueAddress, ImmutableArray<string>>(UniqueAddressComparer.Instance),
        ImmutableSortedDictionary.Create<string, UniqueAddress>(StringComparer.Ordinal),
        ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal),
        ImmutableSortedSet.Create<string>(StringComparer.Ordinal),
        ImmutableSortedDictionary.Create<string, HandoffPlan>(StringComparer.Ordinal));

    public ImmutableSortedSet<string> ShardsOf(UniqueAddress region) =>
        Shards.Where(kv => kv.Value.Equals(region)).Select(kv => kv.Key).ToImmutableSortedSet(StringComparer.Ordinal);

    /// <summary>Regions in address order, as the allocation strategies see them.</summary>
    public ImmutableArray<RegionView> RegionViews()
    {
        var byRegion = Shards.GroupBy(kv => kv.Value).ToDictionary(g => g.Key, g => g.Select(kv => kv.Key).ToImmutableSortedSet(StringComparer.Ordinal));
        return Regions
            .Select(r => new RegionView(r.Key, r.Value, byRegion.GetValueOrDefault(r.Key, ImmutableSortedSet.Create<string>(StringComparer.Ordinal))))
            .ToImmutableArray();
    }

    /// <summary>A region joined (its member is Up); homeless shards are placed at once, so pinned shards find a newly offered slot.</summary>
    public CoordinatorUpdate RegisterRegion(UniqueAddress region, ImmutableArray<string> devices) =>
        (this with { Regions = Regions.SetItem(region, devices) }).PlaceHomeless();

    /// <summary>
    /// Where <paramref name="shard"/> lives, allocating it if new. <paramref name="requiredSlot"/> pins the shard to
    /// a device slot; a shard keeps the slot it was first pinned with. Refused while the shard is being handed off
    /// (the region keeps buffering and asks again once told the new home). A null <paramref name="requester"/> is a
    /// proxy, which hosts nothing and so needs no registration.
    /// </summary>
    /// <exception cref="ArgumentException">When the shard is asked for with a slot different from the one it is pinned to.</exception>
    public AllocationResult Allocate(string shard, UniqueAddress? requester, string? requiredSlot = null)
    {
        var known = PinnedSlots.GetValueOrDefault(shard);
        if (requiredSlot is not null && known is not null && known != requiredSlot)
        {
            throw new ArgumentException($"shard '{shard}' is pinned to device slot '{known}', not '{requiredSlot}'", nameof(requiredSlot));
        }

        if (requester is not null && !Regions.ContainsKey(requester))
        {
            return new AllocationResult(this, shard, new AllocationDecision.Refused($"requester {requester} is not a registered shard region"));
        }

        if (Handoffs.ContainsKey(shard))
        {
            return new AllocationResult(this, shard, new AllocationDecision.Refused($"shard '{shard}' is being handed off"));
        }

        if (Shards.TryGetValue(shard, out var home))
        {
            return new AllocationResult(this, shard, new AllocationDecision.To(home));
        }

        var state = requiredSlot is null ? this : this with { PinnedSlots = PinnedSlots.SetItem(shard, requiredSlot) };
        var decision = state.Decide(shard);
        state = decision is AllocationDecision.To to
            ? state with { Shards = state.Shards.SetItem(shard, to.Region), Unallocated = state.Unallocated.Remove(shard) }
            : state with { Unallocated = state.Unallocated.Add(shard) };
        return new AllocationResult(state, shard, decision);
    }

    public bool IsPinned(string shard) => PinnedSlots.ContainsKey(shard);

    /// <summary>
    /// A region's member was removed (or its region stopped): its shards become homeless and are placed again at
    /// once, pinned ones only where their slot is offered. Entities on the dead node are lost with their mailboxes
    /// (at-most-once); handoffs involving it are repaired.
    /// </summary>
    public CoordinatorUpdate RegionTerminated(UniqueAddress region)
    {
        if (!Regions.ContainsKey(region))
        {
            return new CoordinatorUpdate(this, [], []);
        }

        var lost = ShardsOf(region);
        var handoffs = Handoffs;
        foreach (var (shard, plan) in Handoffs)
        {
            if (plan.From.Equals(region))
            {
                // The old home died before the shard stopped; there is nothing left to stop.
                handoffs = handoffs.Remove(shard);
            }
            else
            {
                handoffs = handoffs.SetItem(shard, plan with
                {
                    To = region.Equals(plan.To) ? null : plan.To,
                    PendingAcks = plan.PendingAcks.Remove(region),
                });
            }
        }

        var state = this with
        {
            Regions = Regions.Remove(region),
            Shards = Shards.RemoveRange(lost),
            Unallocated = Unallocated.Union(lost),
            Handoffs = handoffs,
        };
        return state.PlaceHomeless();
    }

    /// <summary>
    /// A (re-)registering region reports the shards it already hosts, so a coordinator that took over rebuilds the
    /// allocation from the regions instead of placing those shards afresh (which would start a second copy of
    /// their entities). A reported shard that is homeless or unknown is recorded on the region; one allocated
    /// elsewhere or moving stays where it is and is returned as a conflict, whose local copy the region must stop.
    /// Call before <see cref="RegisterRegion"/>, which places what is still homeless.
    /// </summary>
    /// <param name="slotOf">The device slot a shard is pinned to, or null; recorded for shards not yet pinned.</param>
    public (ShardCoordinatorState State, ImmutableArray<(string Shard, UniqueAddress Home)> Conflicts) RecordHostedShards(
        UniqueAddress region, IEnumerable<string> shards, Func<string, string?> slotOf)
    {
        var state = this;
        var conflicts = ImmutableArray.CreateBuilder<(string, UniqueAddress)>();
        foreach (var shard in shards.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            if (state.Shards.TryGetValue(shard, out var home))
            {
                if (!home.Equals(region)) conflicts.Add((shard, home));
                continue;
            }

            if (state.Handoffs.ContainsKey(shard)) continue;
            var slot = state.PinnedSlots.GetValueOrDefault(shard) ?? slotOf(shard);
            state = state with
            {
                Shards = state.Shards.SetItem(shard, region),
                Unallocated = state.Unallocated.Remove(shard),
                PinnedSlots = slot is null ? state.PinnedSlots : state.PinnedSlots.SetItem(shard, slot),
            };
        }

        return (state, conflicts.ToImmutable());
    }

    /// <summary>
    /// Gives up a handoff that did not finish in time (a region never acked, or the old home never reported the
    /// shard stopped): the shard stays allocated on its old region, which restarts its entities on the next message.
    /// Returns the old home to announce to the regions, which are still buffering; null when no such handoff runs.
    /// </summary>
    public (ShardCoordinatorState State, UniqueAddress? Home) AbortHandoff(string shard)
    {
        if (!Handoffs.TryGetValue(shard, out var plan)) return (this, null);
        return (this with { Handoffs = Handoffs.Remove(shard) }, Shards.GetValueOrDefault(shard) ?? plan.From);
    }

    /// <summary>
    /// Akka's least-shard rebalance: while the most loaded region holds at least <paramref name="threshold"/> (and at least two) more
    /// shards than the least loaded, move one movable shard (not pinned, not already moving) from the former to the
    /// latter; at most <paramref name="maxSimultaneous"/> handoffs in flight, counting those already running.
    /// Pinned shards count toward a region's load but never move. Returns the moves; start each with <see cref="BeginHandoff"/>.
    /// </summary>
    public ImmutableArray<ShardMove> Rebalance(int threshold, int maxSimultaneous)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threshold, 1);
        // A move across a difference of one only swaps which region is heavier, and the next round would move it
        // back; so a difference of at least two is required whatever the threshold.
        var effective = Math.Max(threshold, 2);
        var budget = maxSimultaneous - Handoffs.Count;
        var moves = ImmutableArray.CreateBuilder<ShardMove>();
        if (budget <= 0 || Regions.Count < 2)
        {
            return moves.ToImmutable();
        }

        var load = RegionViews().ToDictionary(v => v.Node, v => v.Shards.ToList());
        // A running handoff counts on its target, not its source, so a rebalance round does not pile onto them.
        foreach (var plan in Handoffs.Values.Where(p => p.To is not null && load.ContainsKey(p.To)))
        {
            load[plan.To!].Add(plan.Shard);
            if (load.TryGetValue(plan.From, out var from))
            {
                from.Remove(plan.Shard);
            }
        }

        while (moves.Count < budget)
        {
            var ordered = load.OrderBy(kv => kv.Value.Count).ThenBy(kv => kv.Key, UniqueAddressComparer.Instance).ToList();
            var least = ordered[0];
            var movable = ordered
                .Where(kv => kv.Value.Count - least.Value.Count >= effective)
                .Select(kv => (kv.Key, Shard: kv.Value.Where(s => Shards.TryGetValue(s, out var h) && h.Equals(kv.Key) && !IsPinned(s) && !Handoffs.ContainsKey(s))
                    .OrderBy(s => s, StringComparer.Ordinal).FirstOrDefault(), Count: kv.Value.Count))
                .Where(x => x.Shard is not null)
                .OrderByDescending(x => x.Count)
                .ThenBy(x => x.Key, UniqueAddressComparer.Instance)
                .FirstOrDefault();
            if (movable.Shard is null)
            {
                break;
            }

            moves.Add(new ShardMove(movable.Shard, movable.Key, least.Key));
            load[movable.Key].Remove(movable.Shard);
            least.Value.Add(movable.Shard);
        }

        return moves.ToImmutable();
    }

    /// <exception cref="InvalidOperationException">When the move is stale (shard not on <c>From</c>, already moving, pinned, or a region gone).</exception>
    public HandoffStep BeginHandoff(ShardMove move)
    {
        if (!Shards.TryGetValue(move.Shard, out var home) || !home.Equals(move.From))
        {
            throw new InvalidOperationException($"cannot hand off shard '{move.Shard}': it is not allocated on {move.From}");
        }

        if (IsPinned(move.Shard))
        {
            throw new InvalidOperationException($"cannot hand off shard '{move.Shard}': it is pinned to device slot '{PinnedSlots[move.Shard]}'");
        }

        if (Handoffs.ContainsKey(move.Shard) || !Regions.ContainsKey(move.To))
        {
            throw new InvalidOperationException($"cannot hand off shard '{move.Shard}' to {move.To}: already moving or target region not live");
        }

        var regions = Regions.Keys.ToImmutableSortedSet(UniqueAddressComparer.Instance);
        var plan = new HandoffPlan(move.Shard, move.From, move.To, HandoffPhase.AwaitingBeginAcks, regions);
        return new HandoffStep(
            this with { Handoffs = Handoffs.SetItem(move.Shard, plan) },
            [new HandoffCommand.SendBeginHandoff(move.Shard, [.. regions])]);
    }

    /// <summary>A region acknowledged BeginHandoff (it now buffers); after the last ack the old region is told to hand off.</summary>
    public HandoffStep BeginHandoffAcked(string shard, UniqueAddress region)
    {
        if (!Handoffs.TryGetValue(shard, out var plan) || plan.Phase != HandoffPhase.AwaitingBeginAcks)
        {
            return new HandoffStep(this, []);
        }

        plan = plan with { PendingAcks = plan.PendingAcks.Remove(region) };
        return AdvanceIfAcked(plan);
    }

    /// <summary>Moves every handoff whose acks are complete (e.g. after the last pending region died) to <see cref="HandoffPhase.Stopping"/>.</summary>
    public HandoffStep AdvanceHandoffs()
    {
        var state = this;
        var commands = ImmutableArray.CreateBuilder<HandoffCommand>();
        foreach (var plan in Handoffs.Values.Where(p => p.Phase == HandoffPhase.AwaitingBeginAcks))
        {
            var step = state.AdvanceIfAcked(plan);
            state = step.State;
            commands.AddRange(step.Commands);
        }

        return new HandoffStep(state, commands.ToImmutable());
    }

    /// <summary>
    /// The old region stopped the shard's entities: the shard is deallocated and placed on the handoff target
    /// (least shards if the target died). The regions then learn the new home and flush their buffers.
    /// </summary>
    public CoordinatorUpdate ShardStopped(string shard)
    {
        if (!Handoffs.TryGetValue(shard, out var plan) || plan.Phase != HandoffPhase.Stopping)
        {
            return new CoordinatorUpdate(this, [], []);
        }

        var state = this with { Handoffs = Handoffs.Remove(shard), Shards = Shards.Remove(shard) };
        if (plan.To is not null && state.Regions.ContainsKey(plan.To))
        {
            return new CoordinatorUpdate(state with { Shards = state.Shards.SetItem(shard, plan.To) }, [(shard, plan.To)], []);
        }

        return (state with { Unallocated = state.Unallocated.Add(shard) }).PlaceHomeless();
    }

    private HandoffStep AdvanceIfAcked(HandoffPlan plan)
    {
        if (!plan.PendingAcks.IsEmpty)
        {
            return new HandoffStep(this with { Handoffs = Handoffs.SetItem(plan.Shard, plan) }, []);
        }

        plan = plan with { Phase = HandoffPhase.Stopping };
        return new HandoffStep(
            this with { Handoffs = Handoffs.SetItem(plan.Shard, plan) },
            [new HandoffCommand.SendHandoff(plan.Shard, plan.From)]);
    }

    private AllocationDecision Decide(string shard)
    {
        var views = RegionViews();
        return PinnedSlots.TryGetValue(shard, out var slot)
            ? PinnedAllocation.Allocate(shard, slot, views, PinnedSlots)
            : LeastShardAllocation.Allocate(shard, views);
    }

    private CoordinatorUpdate PlaceHomeless()
    {
        var state = this;
        var allocated = ImmutableArray.CreateBuilder<(string, UniqueAddress)>();
        var refused = ImmutableArray.CreateBuilder<(string, string)>();
        foreach (var shard in Unallocated)
        {
            switch (state.Decide(shard))
            {
                case AllocationDecision.To to:
                    state = state with { Shards = state.Shards.SetItem(shard, to.Region), Unallocated = state.Unallocated.Remove(shard) };
                    allocated.Add((shard, to.Region));
                    break;
                case AllocationDecision.Refused r:
                    refused.Add((shard, r.Reason));
                    break;
            }
        }

        return new CoordinatorUpdate(state, allocated.ToImmutable(), refused.ToImmutable());
    }
}
