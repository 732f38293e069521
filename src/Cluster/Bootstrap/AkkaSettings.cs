using ActorCodistill.Cluster.Configuration;

namespace ActorCodistill.Cluster.Bootstrap;

/// <summary>
/// The product's configuration keys (<c>remote</c>, <c>cluster</c>, <c>actor</c> in hocon/reference.conf) as the
/// Akka node's settings, so a user's configuration keeps meaning what it says after the move to Akka.NET:
/// <c>remote.hostname/port</c> are Akka.Remote's, <c>cluster.failure-detector</c> Akka.Cluster's, <c>cluster.downing</c>
/// the Split Brain Resolver's strategy, stable-after and role, <c>actor.*</c> the dispatchers, the Ask timeout and the
/// log level. The data plane takes the rest of <c>remote</c> (<see cref="RemoteSettings.DataPlanePort"/>, bulk settings).
/// </summary>
public static class AkkaSettings
{
    public static AkkaNodeOptions For(string systemName, RemoteSettings remote, ClusterSettings cluster, ActorSystemSettings actor)
    {
        var strategy = cluster.Downing.Strategy switch
        {
            DowningStrategy.KeepMajority => SplitBrainStrategy.KeepMajority,
            DowningStrategy.KeepOldest => SplitBrainStrategy.KeepOldest,
            DowningStrategy.DownAll => SplitBrainStrategy.DownAll,
            _ => SplitBrainStrategy.Off,
        };
        return new AkkaNodeOptions(systemName, remote.Hostname, remote.Port)
        {
            Strategy = strategy,
            KeepOldestRole = cluster.Downing.Role,
            StableAfter = cluster.Downing.StableAfter,
            HeartbeatInterval = cluster.FailureDetector.HeartbeatInterval,
            AcceptableHeartbeatPause = cluster.FailureDetector.AcceptableHeartbeatPause,
            FailureThreshold = cluster.FailureDetector.Threshold,
            MinStdDeviation = cluster.FailureDetector.MinStdDeviation,
            SeedNodeTimeout = cluster.SeedNodeTimeout,
        }.WithActorSettings(actor);
    }

    /// <summary>A process alone (the embedded run, tests): <c>actor.*</c> settings only, no remoting.</summary>
    public static AkkaNodeOptions Local(string systemName, ActorSystemSettings? actor = null)
    {
        var options = new AkkaNodeOptions(systemName) { Provider = NodeProvider.Local };
        return actor is null ? options : options.WithActorSettings(actor);
    }

    private static AkkaNodeOptions WithActorSettings(this AkkaNodeOptions options, ActorSystemSettings actor) => options with
    {
        Throughput = actor.DefaultDispatcher.Throughput,
        PinnedThroughput = actor.PinnedDispatcher.Throughput,
        AskTimeout = actor.AskTimeout,
        LogLevel = actor.LogLevel switch
        {
            ActorLogLevel.Debug => "DEBUG",
            ActorLogLevel.Info => "INFO",
            ActorLogLevel.Warning => "WARNING",
            _ => "ERROR",
        },
    };
}
