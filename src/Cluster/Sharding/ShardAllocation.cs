using System.Collections.Immutable;
using ActorCodistill.Cluster.Membership;

namespace ActorCodistill.Cluster.Sharding;

/// <summary>What an allocation strategy sees of one live region: its node, the device slots it offers and the shards it hosts.</summary>
public sealed record RegionView(UniqueAddress Node, ImmutableArray<string> Devices, ImmutableSortedSet<string> Shards);

/// <summary>The outcome of placing one shard.</summary>
public abstract record AllocationDecision
{
    private AllocationDecision()
    {
    }

    public sealed record To(UniqueAddress Region) : AllocationDecision;

    public sealed record Refused(string Reason) : AllocationDecision;
}

/// <summary>
/// Akka's <c>LeastShardAllocationStrategy</c>: the region hosting the fewest shards wins; ties go to the lowest
/// address (<see cref="UniqueAddress.CompareTo"/>) so every run makes the same choice.
/// </summary>
public static class LeastShardAllocation
{
    public static AllocationDecision Allocate(string shard, IReadOnlyCollection<RegionView> regions)
    {
        if (regions.Count == 0)
        {
            return new AllocationDecision.Refused($"no live shard region to host shard '{shard}'");
        }

        var best = regions
            .OrderBy(r => r.Shards.Count)
            .ThenBy(r => r.Node, UniqueAddressComparer.Instance)
            .First();
        return new AllocationDecision.To(best.Node);
    }
}

/// <summary>
/// Placement for a shard that owns a device slot (e.g. "cuda:1"): only a region whose member advertises the slot
/// and where no other pinned shard already holds it may host the shard; among those, least shards then address
/// order. A slot is exclusive because a worker owns its device.
/// </summary>
public static class PinnedAllocation
{
    /// <param name="pinnedSlots">Every pinned shard's slot, to see which (region, slot) pairs are taken.</param>
    public static AllocationDecision Allocate(
        string shard,
        string slot,
        IReadOnlyCollection<RegionView> regions,
        IReadOnlyDictionary<string, string> pinnedSlots)
    {
        var offering = regions.Where(r => r.Devices.Contains(slot)).ToList();
        var free = offering
            .Where(r => !r.Shards.Any(s => s != shard && pinnedSlots.TryGetValue(s, out var taken) && taken == slot))
            .OrderBy(r => r.Shards.Count)
            .ThenBy(r => r.Node, UniqueAddressComparer.Instance)
            .FirstOrDefault();
        if (free is not null)
        {
            return new AllocationDecision.To(free.Node);
        }

        return offering.Count == 0
            ? new AllocationDecision.Refused($"no live region offers device slot '{slot}' for pinned shard '{shard}'")
            : new AllocationDecision.Refused(
                $"device slot '{slot}' for pinned shard '{shard}' is taken on every region offering it ({string.Join(", ", offering.Select(r => r.Node))})");
    }
}
