using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace ActorCodistill.Cluster.Configuration;

public enum DowningStrategy
{
    KeepMajority,
    KeepOldest,
    DownAll,
    Off,
}

public sealed record FailureDetectorSettings(
    TimeSpan HeartbeatInterval,
    double Threshold,
    TimeSpan AcceptableHeartbeatPause,
    TimeSpan MinStdDeviation);

/// <param name="DownIfAlone">keep-oldest only: an oldest member alone on its side downs itself and the others survive.</param>
/// <param name="Role">Only members with this role count (are voters, or can be the oldest); null = all. The losing side is downed whole.</param>
public sealed record DowningSettings(DowningStrategy Strategy, TimeSpan StableAfter, bool DownIfAlone = true, string? Role = null);

/// <summary>The <c>cluster { }</c> section: joining, failure detection and downing.</summary>
/// <param name="SeedNodes">"host:port" strings, validated; IPv6 hosts in brackets.</param>
public sealed record ClusterSettings(
    IReadOnlyList<string> SeedNodes,
    TimeSpan SeedNodeTimeout,
    IReadOnlyList<string> Roles,
    FailureDetectorSettings FailureDetector,
    DowningSettings Downing)
{
    public static ClusterSettings From(IConfiguration configuration) => Bind(new SettingsReader(configuration));

    public static ClusterSettings Bind(SettingsReader config)
    {
        var cluster = config.At("cluster");
        var seeds = cluster.GetStringList("seed-nodes");
        for (var i = 0; i < seeds.Count; i++)
        {
            cluster.Get($"seed-nodes.{i}", "a quoted \"host:port\" with port 1-65535", ValidateSeed);
        }

        var fd = cluster.At("failure-detector");
        var downing = cluster.At("downing");
        return new ClusterSettings(
            seeds,
            cluster.GetDuration("seed-node-timeout", min: TimeSpan.FromMilliseconds(1)),
            cluster.GetStringList("roles"),
            new FailureDetectorSettings(
                fd.GetDuration("heartbeat-interval", min: TimeSpan.FromMilliseconds(1)),
                fd.GetDouble("threshold", min: 0, minExclusive: true),
                fd.GetDuration("acceptable-heartbeat-pause", min: TimeSpan.Zero),
                fd.GetDuration("min-std-deviation", min: TimeSpan.FromMilliseconds(1))),
            new DowningSettings(
                downing.GetEnum<DowningStrategy>("strategy"),
                downing.GetDuration("stable-after", min: TimeSpan.Zero),
                downing.GetBool("down-if-alone"),
                downing.GetString("role") is { Length: > 0 } role ? role : null));
    }

    private static string ValidateSeed(string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            throw new FormatException("no host:port separator");
        }

        if (!int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new FormatException("port is not a number between 1 and 65535");
        }

        return text;
    }
}
