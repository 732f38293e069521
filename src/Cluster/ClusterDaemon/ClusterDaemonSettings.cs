using System.Collections.Immutable;
using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.Configuration;
using ActorCodistill.Cluster.Membership;

namespace ActorCodistill.Cluster.ClusterDaemon;

/// <summary>
/// What the cluster daemon needs, with Akka's defaults. <see cref="FromConfig"/> maps the <c>cluster { }</c> section;
/// the intervals without a config key yet (gossip, leader actions, join retries) keep Akka's values.
/// </summary>
public sealed record ClusterDaemonSettings
{
    public ImmutableArray<Address> SeedNodes { get; init; } = [];

    public ImmutableArray<string> Roles { get; init; } = [];

    /// <summary>Device slots this node offers (e.g. "cuda:0", "cpu:0"), visible to every member.</summary>
    public ImmutableArray<string> Devices { get; init; } = [];

    public TimeSpan SeedNodeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often InitJoin is repeated to the seeds (and how often the join process is ticked).</summary>
    public TimeSpan SeedJoinRetryInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A Join not answered by Welcome within this starts discovery again (Akka's retry-unsuccessful-join-after).</summary>
    public TimeSpan RetryJoinAfter { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan GossipInterval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan LeaderActionsInterval { get; init; } = TimeSpan.FromSeconds(1);

    public LeaderSettings Leader { get; init; } = LeaderSettings.Default;

    public FailureDetectorSettings FailureDetector { get; init; } = new(
        HeartbeatInterval: TimeSpan.FromSeconds(1), Threshold: 8.0,
        AcceptableHeartbeatPause: TimeSpan.FromSeconds(3), MinStdDeviation: TimeSpan.FromMilliseconds(100));

    public DowningSettings Downing { get; init; } = new(DowningStrategy.KeepMajority, TimeSpan.FromSeconds(20));

    /// <summary>Tombstones older than this are forgotten (Akka keeps them a day).</summary>
    public TimeSpan PruneTombstonesAfter { get; init; } = TimeSpan.FromDays(1);

    public static ClusterDaemonSettings Default { get; } = new();

    /// <summary>Maps the parsed <c>cluster { }</c> section; seeds "host:port" become addresses of <paramref name="systemName"/>.</summary>
    public static ClusterDaemonSettings FromConfig(ClusterSettings config, string systemName)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Default with
        {
            SeedNodes = config.SeedNodes.Select(s => SeedAddress(s, systemName)).ToImmutableArray(),
            Roles = [.. config.Roles],
            SeedNodeTimeout = config.SeedNodeTimeout,
            FailureDetector = config.FailureDetector,
            Downing = config.Downing,
        };
    }

    /// <summary>"host:port" of a node of the cluster named <paramref name="systemName"/>, as its address (FormatException when malformed).</summary>
    public static Address SeedAddress(string hostPort, string systemName) =>
        Address.Parse($"{Address.DefaultProtocol}://{systemName}@{hostPort}");

    /// <exception cref="ArgumentException">Naming the setting that is out of range.</exception>
    public void Validate()
    {
        Positive(SeedNodeTimeout, "cluster.seed-node-timeout");
        Positive(SeedJoinRetryInterval, "cluster seed-join retry interval");
        Positive(RetryJoinAfter, "cluster retry-unsuccessful-join-after");
        Positive(GossipInterval, "cluster.gossip-interval");
        Positive(LeaderActionsInterval, "cluster.leader-actions-interval");
        Positive(FailureDetector.HeartbeatInterval, "cluster.failure-detector.heartbeat-interval");
        Positive(FailureDetector.MinStdDeviation, "cluster.failure-detector.min-std-deviation");
        if (FailureDetector.Threshold <= 0) throw new ArgumentException($"cluster.failure-detector.threshold must be > 0, was {FailureDetector.Threshold}");
        if (FailureDetector.AcceptableHeartbeatPause < TimeSpan.Zero)
            throw new ArgumentException($"cluster.failure-detector.acceptable-heartbeat-pause must not be negative, was {FailureDetector.AcceptableHeartbeatPause}");
        if (Downing.StableAfter < TimeSpan.Zero) throw new ArgumentException($"cluster.downing.stable-after must not be negative, was {Downing.StableAfter}");
        if (Downing.Strategy is not (DowningStrategy.KeepMajority or DowningStrategy.KeepOldest or DowningStrategy.Off))
            throw new ArgumentException($"cluster.downing.strategy '{Downing.Strategy}' is not implemented by the cluster daemon; use keep-majority, keep-oldest or off");
        foreach (var seed in SeedNodes)
        {
            if (seed.HasLocalScope) throw new ArgumentException($"cluster.seed-nodes entry '{seed}' has no host:port");
        }
    }

    private static void Positive(TimeSpan value, string key)
    {
        if (value <= TimeSpan.Zero) throw new ArgumentException($"{key} must be positive, was {value}");
    }
}
