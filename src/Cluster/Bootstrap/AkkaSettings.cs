using System.Globalization;
using System.Text;
using ActorCodistill.Cluster.Configuration;
using Akka.Configuration;
using Microsoft.Extensions.Configuration;

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
        MailboxCapacity = actor.Mailbox.Capacity,
        LogLevel = actor.LogLevel switch
        {
            ActorLogLevel.Debug => "DEBUG",
            ActorLogLevel.Info => "INFO",
            ActorLogLevel.Warning => "WARNING",
            _ => "ERROR",
        },
    };

    /// <summary>
    /// The user's own <c>akka { }</c> section of the product's configuration, as Akka configuration: it goes on top of
    /// everything the product sets (an Akka.NET user's settings win: another persistence plugin, Akka.Management,
    /// dispatcher tuning), and Akka reads its own keys from it. Empty when the configuration has none.
    /// </summary>
    public static Config UserSection(IConfiguration configuration)
    {
        var section = configuration.GetSection("akka");
        if (!section.Exists()) return Config.Empty;
        var text = new StringBuilder();
        Render(section, "akka", text);
        return ConfigurationFactory.ParseString(text.ToString());
    }

    /// <summary><paramref name="user"/> (<see cref="UserSection"/>) on top of <paramref name="product"/> (e.g. the job journal's plugin).</summary>
    public static Config? OnTop(Config user, Config? product) =>
        user.IsEmpty ? product : product is null || product.IsEmpty ? user : user.WithFallback(product);

    private static void Render(IConfigurationSection section, string path, StringBuilder text)
    {
        var children = section.GetChildren().ToList();
        if (children.Count == 0)
        {
            if (section.Value is { } value) text.Append(path).Append(" = ").Append(Quote(value)).Append('\n');
            return;
        }
        // IConfiguration flattens a list into children 0..n-1.
        if (children.Select(c => c.Key).OrderBy(k => k.Length).ThenBy(k => k, StringComparer.Ordinal).SequenceEqual(
                Enumerable.Range(0, children.Count).Select(i => i.ToString(CultureInfo.InvariantCulture))) && children.All(c => !c.GetChildren().Any()))
        {
            text.Append(path).Append(" = [").Append(string.Join(", ", children.OrderBy(c => int.Parse(c.Key, CultureInfo.InvariantCulture))
                .Select(c => Quote(c.Value ?? "")))).Append("]\n");
            return;
        }
        foreach (var child in children) Render(child, path + "." + Quote(child.Key), text);
    }

    /// <summary><paramref name="value"/> as a quoted HOCON string (backslashes and quotes escaped).</summary>
    public static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
