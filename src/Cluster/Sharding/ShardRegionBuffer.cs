using System.Collections.Immutable;
using ActorCodistill.Cluster.Membership;

namespace ActorCodistill.Cluster.Sharding;

/// <summary>What the region actor must do with one message after <see cref="ShardRegionBuffer{TMessage}.Deliver"/>.</summary>
public abstract record BufferOutcome<TMessage>
{
    private BufferOutcome()
    {
    }

    /// <summary>The shard's home is known and nothing is queued before this message: send it now.</summary>
    public sealed record SendTo(UniqueAddress Region, TMessage Message) : BufferOutcome<TMessage>;

    /// <summary>Queued; <paramref name="AskForHome"/> is true for the first message of a shard with no known home (send GetShardHome once).</summary>
    public sealed record Buffered(bool AskForHome) : BufferOutcome<TMessage>;

    /// <summary>The buffer is full; the message was NOT queued and the sender must be told (Akka drops with a log line; we refuse explicitly).</summary>
    public sealed record Overflow(string Reason) : BufferOutcome<TMessage>;
}

/// <summary>
/// A shard region's routing table and message buffer (Akka's <c>ShardRegion.shardBuffers</c>). Messages for a shard
/// whose home is unknown, or that is being handed off, are queued per shard in arrival order and released in
/// that order when the new home is known; while a shard has a queue, later messages join the queue so they
/// cannot overtake it. The bound is on all queued messages of the region together.
/// </summary>
public sealed record ShardRegionBuffer<TMessage>(
    int Capacity,
    ImmutableSortedDictionary<string, UniqueAddress> Homes,
    ImmutableSortedDictionary<string, ImmutableQueue<TMessage>> Queues,
    int Count)
{
    public static ShardRegionBuffer<TMessage> Create(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        return new ShardRegionBuffer<TMessage>(
            capacity,
            ImmutableSortedDictionary.Create<string, UniqueAddress>(StringComparer.Ordinal),
            ImmutableSortedDictionary.Create<string, ImmutableQueue<TMessage>>(StringComparer.Ordinal),
            0);
    }

    public int QueuedFor(string shard) => Queues.TryGetValue(shard, out var q) ? q.Count() : 0;

    public (ShardRegionBuffer<TMessage> State, BufferOutcome<TMessage> Outcome) Deliver(string shard, TMessage message)
    {
        var hasQueue = Queues.TryGetValue(shard, out var queue);
        if (!hasQueue && Homes.TryGetValue(shard, out var home))
        {
            return (this, new BufferOutcome<TMessage>.SendTo(home, message));
        }

        if (Count >= Capacity)
        {
            return (this, new BufferOutcome<TMessage>.Overflow(
                $"shard region buffer is full ({Capacity} messages); message for shard '{shard}' refused, {QueuedFor(shard)} queued for it"));
        }

        var askForHome = !hasQueue && !Homes.ContainsKey(shard);
        var next = this with
        {
            Queues = Queues.SetItem(shard, (queue ?? ImmutableQueue<TMessage>.Empty).Enqueue(message)),
            Count = Count + 1,
        };
        return (next, new BufferOutcome<TMessage>.Buffered(askForHome));
    }

    /// <summary>
    /// The coordinator's BeginHandoff: forget the shard's home so that new messages queue. An empty queue is opened
    /// so even the first message after this point waits (it must not reach the old home, which is about to stop).
    /// </summary>
    public ShardRegionBuffer<TMessage> BeginHandoff(string shard) => this with
    {
        Homes = Homes.Remove(shard),
        Queues = Queues.ContainsKey(shard) ? Queues : Queues.SetItem(shard, ImmutableQueue<TMessage>.Empty),
    };

    /// <summary>The shard's home is known (ShardHome): returns the queued messages in arrival order, to send there.</summary>
    public (ShardRegionBuffer<TMessage> State, UniqueAddress Region, ImmutableArray<TMessage> Flush) HomeKnown(string shard, UniqueAddress region)
    {
        var queued = Queues.TryGetValue(shard, out var q) ? q.ToImmutableArray() : [];
        var next = this with
        {
            Homes = Homes.SetItem(shard, region),
            Queues = Queues.Remove(shard),
            Count = Count - queued.Length,
        };
        return (next, region, queued);
    }

    /// <summary>A region died: forget every home on it, so messages for its shards queue until the coordinator re-homes them.</summary>
    public ShardRegionBuffer<TMessage> RegionTerminated(UniqueAddress region) => this with
    {
        Homes = Homes.Where(kv => !kv.Value.Equals(region)).ToImmutableSortedDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal),
    };
}
