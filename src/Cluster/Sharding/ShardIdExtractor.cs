using System.Text;

namespace ActorCodistill.Cluster.Sharding;

/// <summary>Maps an entity id to the shard that hosts it (Akka's <c>IMessageExtractor.ShardId</c>). Must be a pure function.</summary>
public interface IShardIdExtractor
{
    string ShardId(string entityId);
}

/// <summary>
/// Hash sharding: shard id = decimal of <c>FNV-1a-32(UTF-8(entityId)) mod NumberOfShards</c>. FNV-1a is written out
/// here rather than taken from <see cref="string.GetHashCode()"/> because .NET randomises string hashes per process,
/// and every node must agree on the shard of an entity. Changing the function or the shard count re-homes entities.
/// </summary>
public sealed record HashShardIdExtractor : IShardIdExtractor
{
    public HashShardIdExtractor(int numberOfShards)
    {
        if (numberOfShards < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(numberOfShards), numberOfShards, "number-of-shards must be at least 1");
        }

        NumberOfShards = numberOfShards;
    }

    public int NumberOfShards { get; }

    public string ShardId(string entityId)
    {
        ArgumentNullException.ThrowIfNull(entityId);
        return (Fnv1a32(entityId) % (uint)NumberOfShards).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public static uint Fnv1a32(string text)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash ^= b;
            hash *= 16777619u;
        }

        return hash;
    }
}

/// <summary>A worker entity that owns one device: its id is <c>"{Group}/{Rank}"</c>.</summary>
public sealed record WorkerEntityId(string Group, int Rank)
{
    public override string ToString() => $"{Group}/{Rank}";

    /// <exception cref="ArgumentException">When <paramref name="entityId"/> is not <c>group/rank</c> with a non-negative integer rank.</exception>
    public static WorkerEntityId Parse(string entityId)
    {
        ArgumentNullException.ThrowIfNull(entityId);
        var slash = entityId.LastIndexOf('/');
        if (slash <= 0
            || !int.TryParse(entityId.AsSpan(slash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var rank))
        {
            throw new ArgumentException($"pinned entity id '{entityId}' is not of the form 'group/rank' (rank a non-negative integer)", nameof(entityId));
        }

        return new WorkerEntityId(entityId[..slash], rank);
    }
}

/// <summary>
/// Pinned sharding: the entity id names its own shard (one worker entity per shard), so the shard can be placed
/// on the node that owns the worker's device. Hash shard ids are plain numbers and pinned ones contain '/', so
/// both extractors can share one coordinator without collisions.
/// </summary>
public sealed record PinnedShardIdExtractor : IShardIdExtractor
{
    public static readonly PinnedShardIdExtractor Instance = new();

    public string ShardId(string entityId) => WorkerEntityId.Parse(entityId).ToString();
}
