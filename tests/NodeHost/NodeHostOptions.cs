using System.Collections.Immutable;
using System.Globalization;
using ActorCodistill.Cluster.Actors;

namespace ActorCodistill.NodeHost;

/// <summary>
/// The command line of the node host. Timings are short by default so process tests take seconds; every duration
/// takes a unit (<c>500ms</c>, <c>2s</c>, <c>1m</c>).
/// </summary>
public sealed record NodeHostOptions
{
    public const string Usage =
        "usage: dotnet ActorCodistill.NodeHost.dll [--port P] [--hostname H] [--seed HOST:PORT[,HOST:PORT..]] [--role R[,R..]]\n" +
        "         [--system-name NAME] [--stable-after 2s] [--heartbeat-interval 300ms] [--acceptable-heartbeat-pause 2s]\n" +
        "         [--gossip-interval 200ms] [--leader-actions-interval 200ms] [--seed-node-timeout 1s] [--log-level info]\n" +
        "Without --seed the node forms a new cluster. The cluster secret comes from CODISTILL_SECRET.";

    public int Port { get; init; }

    public string Hostname { get; init; } = "127.0.0.1";

    public string SystemName { get; init; } = "codistill";

    /// <summary>host:port of seed nodes; empty = this node forms a new cluster.</summary>
    public ImmutableArray<string> Seeds { get; init; } = [];

    public ImmutableArray<string> Roles { get; init; } = [];

    public TimeSpan StableAfter { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromMilliseconds(300);

    public TimeSpan AcceptableHeartbeatPause { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan GossipInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan LeaderActionsInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan SeedNodeTimeout { get; init; } = TimeSpan.FromSeconds(1);

    public LogLevel LogLevel { get; init; } = LogLevel.Info;

    /// <exception cref="ArgumentException">Naming the option and what is wrong with it.</exception>
    public static NodeHostOptions Parse(IReadOnlyList<string> args)
    {
        var options = new NodeHostOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (!name.StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"unexpected argument '{name}'");
            if (i + 1 >= args.Count) throw new ArgumentException($"option {name} needs a value");
            var value = args[++i];
            options = name switch
            {
                "--port" => options with { Port = ParsePort(value) },
                "--hostname" => options with { Hostname = value },
                "--system-name" => options with { SystemName = value },
                "--seed" => options with { Seeds = options.Seeds.AddRange(List(value)) },
                "--role" => options with { Roles = options.Roles.AddRange(List(value)) },
                "--stable-after" => options with { StableAfter = ParseDuration(name, value) },
                "--heartbeat-interval" => options with { HeartbeatInterval = ParseDuration(name, value) },
                "--acceptable-heartbeat-pause" => options with { AcceptableHeartbeatPause = ParseDuration(name, value) },
                "--gossip-interval" => options with { GossipInterval = ParseDuration(name, value) },
                "--leader-actions-interval" => options with { LeaderActionsInterval = ParseDuration(name, value) },
                "--seed-node-timeout" => options with { SeedNodeTimeout = ParseDuration(name, value) },
                "--log-level" => options with { LogLevel = Enum.TryParse<LogLevel>(value, ignoreCase: true, out var level)
                    ? level : throw new ArgumentException($"--log-level '{value}': use debug, info, warning or error") },
                _ => throw new ArgumentException($"unknown option {name}"),
            };
        }

        return options;
    }

    private static IEnumerable<string> List(string value) => value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static int ParsePort(string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535
            ? port
            : throw new ArgumentException($"--port '{value}' is not a port number (0..65535)");

    /// <summary>"250ms", "2s", "1.5s", "1m".</summary>
    public static TimeSpan ParseDuration(string option, string value)
    {
        var (number, unit) = value.EndsWith("ms", StringComparison.Ordinal) ? (value[..^2], 1.0)
            : value.EndsWith('s') ? (value[..^1], 1000.0)
            : value.EndsWith('m') ? (value[..^1], 60_000.0)
            : (value, double.NaN);
        if (double.IsNaN(unit) || !double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) || amount < 0)
            throw new ArgumentException($"{option} '{value}' is not a duration (use e.g. 500ms, 2s, 1m)");
        return TimeSpan.FromMilliseconds(amount * unit);
    }
}
