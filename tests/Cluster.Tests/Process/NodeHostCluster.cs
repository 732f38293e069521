using System.Globalization;
using System.Text.RegularExpressions;
using ActorCodistill.TestKit.Process;
using Xunit.Sdk;

namespace ActorCodistill.Cluster.Tests.Process;

/// <summary>A NodeHost process as the tests see it: the address and uid of its READY line.</summary>
internal sealed record HostedNode(NodeProcess Process, string Address, long Uid)
{
    public int Port => int.Parse(Address[(Address.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);

    public string HostPort => $"127.0.0.1:{Port}";

    public override string ToString() => $"{Process.Name} {Address} {Uid}";
}

/// <summary>
/// NodeHost processes on loopback with short failure-detector and downing timings, logs under
/// <c>$TMPDIR/codistill-process-tests/&lt;test&gt;</c>. Disposing kills whatever still runs.
/// </summary>
internal sealed class NodeHostCluster : IDisposable
{
    public const string Secret = "process-test-cluster-secret";

    /// <summary>One xunit collection for every process test class, so they run one after another: three processes at most.</summary>
    public const string Collection = "node-processes";

    /// <summary>Unreachable ~2.3-3 s after a node goes silent, downed 1 s later; a leave completes within a few 200 ms ticks.</summary>
    public static readonly IReadOnlyList<string> Timings =
    [
        "--heartbeat-interval", "300ms", "--acceptable-heartbeat-pause", "2s", "--stable-after", "1s",
        "--gossip-interval", "200ms", "--leader-actions-interval", "200ms", "--seed-node-timeout", "1s",
    ];

    private static readonly Regex Ready = new(@"^READY (\S+) (-?\d+)$", RegexOptions.CultureInvariant);

    private readonly List<NodeProcess> _processes = [];
    private readonly string _dll = NodeHostLocator.Find();

    public NodeHostCluster(string test) =>
        LogDirectory = Path.Combine(Path.GetTempPath(), "codistill-process-tests", $"{test}-{DateTime.UtcNow:yyyyMMdd-HHmmss-fff}");

    public string LogDirectory { get; }

    /// <summary>A node that forms a new cluster.</summary>
    public HostedNode StartSeed(string name) => AwaitReady(Launch(name, [], Secret));

    /// <summary>Nodes that join through <paramref name="seed"/>, started together and awaited together.</summary>
    public HostedNode[] StartMembers(HostedNode seed, params string[] names) =>
        names.Select(n => Launch(n, ["--seed", seed.HostPort], Secret)).ToList().Select(AwaitReady).ToArray();

    public NodeProcess Launch(string name, IReadOnlyList<string> args, string secret)
    {
        var process = NodeProcess.Start(new NodeProcessOptions
        {
            Dll = _dll,
            Args = [.. args, .. Timings],
            Environment = { ["CODISTILL_SECRET"] = secret },
            Name = name,
            LogDirectory = LogDirectory,
        });
        _processes.Add(process);
        return process;
    }

    public static HostedNode AwaitReady(NodeProcess process)
    {
        var ready = process.WaitForLine(Ready);
        return new HostedNode(process, ready.Groups[1].Value, long.Parse(ready.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    /// <summary>Every observer has printed MemberUp for every member.</summary>
    public static void AwaitUp(IEnumerable<HostedNode> observers, params HostedNode[] members)
    {
        foreach (var observer in observers)
            foreach (var member in members)
                observer.Process.WaitForLine(EventPattern("MemberUp", member));
    }

    public static Regex EventPattern(string type, HostedNode about) =>
        new($"^EVENT {type} {Regex.Escape(about.Address)} {about.Uid}( |$)", RegexOptions.CultureInvariant);

    /// <summary>The event types <paramref name="observer"/> printed about <paramref name="about"/>'s incarnation, in order.</summary>
    public static IReadOnlyList<string> EventsAbout(HostedNode observer, HostedNode about) =>
        observer.Process.Lines.Where(l => IsEventAbout(l, about)).Select(l => l.Split(' ')[1]).ToList();

    /// <summary>An EVENT line naming exactly this incarnation (address and uid).</summary>
    public static bool IsEventAbout(string line, HostedNode about)
    {
        var parts = line.Split(' ');
        return parts is ["EVENT", _, var address, var uid, ..] && address == about.Address && uid == about.Uid.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Fails unless <paramref name="expected"/> occur in this order in <paramref name="events"/> (others may be between).</summary>
    public static void AssertInOrder(IReadOnlyList<string> events, string what, params string[] expected)
    {
        var at = 0;
        foreach (var e in events)
        {
            if (at < expected.Length && e == expected[at]) at++;
        }
        if (at < expected.Length)
            throw new XunitException($"{what}: expected {string.Join(" -> ", expected)} in order, got {string.Join(", ", events)}");
    }

    public void Dispose()
    {
        foreach (var process in _processes) process.Dispose();
    }
}
