namespace ActorCodistill.Cluster.Sharding;

/// <summary>
/// Settings of one sharded entity type (Akka's <c>ClusterShardingSettings</c>). Every duration runs on the sharding
/// clock given to <see cref="ClusterSharding.Start"/>, so tests drive it like the membership clock.
/// </summary>
public sealed record ClusterShardingSettings
{
    public static ClusterShardingSettings Default { get; } = new();

    /// <summary>Only members with this role host regions and the coordinator; null: every member.</summary>
    public string? Role { get; init; }

    /// <summary>Shards for the default <see cref="HashShardIdExtractor"/>; fixed for the life of a cluster (Akka: ten per node).</summary>
    public int NumberOfShards { get; init; } = 100;

    /// <summary>An entity of an unpinned shard with no message for this long is stopped; it restarts on its next message. Null: never.</summary>
    public TimeSpan? PassivateIdleAfter { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>A handoff not finished in this time is aborted; the shard stays on its old region.</summary>
    public TimeSpan HandoffTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Messages a region holds for shards whose home is unknown or moving; beyond it a message becomes a dead letter.</summary>
    public int BufferSize { get; init; } = 100_000;

    /// <summary>How often a region re-registers, re-asks for unknown homes and checks idle entities.</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the coordinator plans a rebalance.</summary>
    public TimeSpan RebalanceInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Least-shard rebalance moves a shard while the fullest region holds this many more than the emptiest (at least 2).</summary>
    public int RebalanceThreshold { get; init; } = 1;

    public int MaxSimultaneousRebalance { get; init; } = 3;

    /// <summary>
    /// A coordinator that takes over answers no GetShardHome until every reachable member with the role has registered
    /// its shards, or this long has passed; otherwise it could place a shard afresh while its old home is still
    /// about to report it.
    /// </summary>
    public TimeSpan RebuildTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <exception cref="ArgumentException">Naming the setting that is out of range.</exception>
    public void Validate()
    {
        Require(NumberOfShards >= 1, nameof(NumberOfShards), NumberOfShards, "at least 1");
        Require(PassivateIdleAfter is null || PassivateIdleAfter > TimeSpan.Zero, nameof(PassivateIdleAfter), PassivateIdleAfter, "positive or null");
        Require(HandoffTimeout > TimeSpan.Zero, nameof(HandoffTimeout), HandoffTimeout, "positive");
        Require(BufferSize >= 1, nameof(BufferSize), BufferSize, "at least 1");
        Require(RetryInterval > TimeSpan.Zero, nameof(RetryInterval), RetryInterval, "positive");
        Require(RebalanceInterval > TimeSpan.Zero, nameof(RebalanceInterval), RebalanceInterval, "positive");
        Require(RebalanceThreshold >= 1, nameof(RebalanceThreshold), RebalanceThreshold, "at least 1");
        Require(MaxSimultaneousRebalance >= 1, nameof(MaxSimultaneousRebalance), MaxSimultaneousRebalance, "at least 1");
        Require(RebuildTimeout > TimeSpan.Zero, nameof(RebuildTimeout), RebuildTimeout, "positive");
    }

    private static void Require(bool ok, string name, object? value, string expected)
    {
        if (!ok) throw new ArgumentException($"cluster sharding setting {name} = {value} is invalid: must be {expected}", name);
    }
}
