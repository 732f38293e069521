using ActorCodistill.Cluster.Actors;

namespace ActorCodistill.Cluster.Sharding;

/// <summary>
/// Local messages of the sharding actors; those that cross nodes are in sharding.proto. A user sends
/// <see cref="ShardingEnvelope"/> to a region; the rest are internal.
/// </summary>
public abstract record ShardingMessage;

/// <summary>
/// A message for one entity (Akka's <c>ShardingEnvelope</c>). The region finds the shard with its
/// <see cref="IShardIdExtractor"/>; the entity receives <paramref name="Message"/> alone, with the original sender.
/// </summary>
public sealed record ShardingEnvelope(string EntityId, object Message) : ShardingMessage;

/// <summary>Periodic work of a region on the sharding clock: (re-)register, ask again for homes still unknown, passivate.</summary>
internal sealed record RegionTick : ShardingMessage
{
    public static readonly RegionTick Instance = new();
}

/// <summary>Periodic work of a coordinator on the sharding clock: take over or rebuild, time out handoffs, rebalance.</summary>
internal sealed record CoordinatorTick : ShardingMessage
{
    public static readonly CoordinatorTick Instance = new();
}

/// <summary>Region -> shard: stop entities idle since before <paramref name="IdleSince"/> (never a pinned shard's).</summary>
internal sealed record PassivateIdle(DateTimeOffset IdleSince) : ShardingMessage;

/// <summary>Region -> shard: the shard moves away; stop every entity (each drains its mailbox first), then stop.</summary>
internal sealed record HandOffStop : ShardingMessage
{
    public static readonly HandOffStop Instance = new();
}

/// <summary>ClusterSharding -> the guardian at /system/sharding: start a region (and a coordinator) for a type; answers the region's ref.</summary>
internal sealed record StartShardRegion(string TypeName, Props Region, Props? Coordinator) : ShardingMessage;
