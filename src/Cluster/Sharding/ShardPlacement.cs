namespace ActorCodistill.Cluster.Sharding;

/// <summary>
/// How shards of one type are placed: by least shards, or pinned to a device slot (a worker owns its device).
/// Every node must start the type with the same placement, since the coordinator, wherever it runs, and the regions
/// (for passivation) each ask it.
/// </summary>
public abstract class ShardPlacement
{
    private ShardPlacement()
    {
    }

    /// <summary>Akka's least-shard allocation for every shard; idle entities are passivated.</summary>
    public static ShardPlacement LeastShards { get; } = new Least();

    /// <summary>
    /// <paramref name="slotOf"/> names the device slot a shard must own (e.g. "cuda:1"), or null for a shard placed
    /// by least shards. A pinned shard goes to a node whose member advertises the slot
    /// (<c>Cluster.State.DevicesOf</c>) with the slot free, never rebalances, and its entities are never passivated.
    /// </summary>
    public static ShardPlacement Pinned(Func<string, string?> slotOf)
    {
        ArgumentNullException.ThrowIfNull(slotOf);
        return new PinnedSlots(slotOf);
    }

    /// <summary>The slot <paramref name="shard"/> is pinned to, or null.</summary>
    public abstract string? RequiredSlot(string shard);

    private sealed class Least : ShardPlacement
    {
        public override string? RequiredSlot(string shard) => null;
    }

    private sealed class PinnedSlots(Func<string, string?> slotOf) : ShardPlacement
    {
        public override string? RequiredSlot(string shard) => slotOf(shard);
    }
}
