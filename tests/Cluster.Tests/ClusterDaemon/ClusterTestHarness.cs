using System.Collections.Immutable;
using System.Diagnostics;
using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.ClusterDaemon;
using ActorCodistill.Cluster.Configuration;
using ActorCodistill.Cluster.Membership;
using ActorCodistill.TestKit;
using ActorCodistill.TestKit.MultiNode;
using Xunit.Sdk;
using ClusterExtension = ActorCodistill.Cluster.ClusterDaemon.Cluster;

namespace ActorCodistill.Cluster.Tests.ClusterDaemon;

/// <summary>
/// Nodes of a <see cref="MultiNodeCluster"/> with the cluster daemon on one shared manual clock. The transport keeps
/// real time; membership time (gossip, leader, heartbeats, downing) moves only in <see cref="AwaitAdvancing"/>, in
/// steps small enough that a heartbeat answer has dozens of polls to arrive before its acceptable pause runs out.
/// </summary>
internal sealed class ClusterTestHarness : IDisposable
{
    public const string Secret = "cluster-daemon-test-secret";
    public static readonly TimeSpan StableAfter = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(100);
    private const int SettlePulses = 24;
    private static readonly TimeSpan PulsePatience = TimeSpan.FromSeconds(10);

    private readonly Dictionary<int, ClusterExtension> _clusters = [];

    public ClusterTestHarness(int nodes) => Nodes = MultiNodeCluster.Start(nodes, Secret);

    public MultiNodeCluster Nodes { get; }

    public ManualTimeProvider Clock { get; } = new();

    /// <summary>Akka's failure-detector defaults; faster gossip and a short stable-after so tests stay short.</summary>
    public static ClusterDaemonSettings Settings { get; } = ClusterDaemonSettings.Default with
    {
        GossipInterval = TimeSpan.FromMilliseconds(200),
        LeaderActionsInterval = TimeSpan.FromMilliseconds(200),
        SeedJoinRetryInterval = TimeSpan.FromMilliseconds(500),
        SeedNodeTimeout = TimeSpan.FromSeconds(2),
        RetryJoinAfter = TimeSpan.FromSeconds(5),
        Downing = new DowningSettings(DowningStrategy.KeepMajority, StableAfter),
    };

    public ClusterExtension Cluster(int node) => _clusters[node];

    public Address Address(int node) => Nodes.Node(node).Address;

    public ClusterExtension StartCluster(int node, IEnumerable<Address> seeds, ImmutableArray<string> roles = default, ImmutableArray<string> devices = default)
    {
        var cluster = ClusterExtension.Start(Nodes.Node(node).Remoting,
            Settings with { SeedNodes = [.. seeds], Roles = roles.IsDefault ? [] : roles, Devices = devices.IsDefault ? [] : devices }, Clock);
        _clusters[node] = cluster;
        return cluster;
    }

    /// <summary>Nodes 0..count-1 join through node 0 and all see each other Up.</summary>
    public void FormCluster(int count)
    {
        for (var i = 0; i < count; i++) StartCluster(i, [Address(0)]);
        AwaitAllUp(Enumerable.Range(0, count).ToArray());
    }

    public void AwaitAllUp(params int[] nodes)
    {
        var expected = nodes.Select(n => Cluster(n).SelfUniqueAddress).ToHashSet();
        AwaitAdvancing(() => nodes.All(n =>
        {
            var members = Cluster(n).State.Members;
            return members.Count == expected.Count && members.All(m => m.Status == MemberStatus.Up && expected.Contains(m.Node));
        }), $"nodes {string.Join(",", nodes)} all Up on every one of them", TimeSpan.FromSeconds(20));
    }

    /// <summary>
    /// Advances the membership clock step by step until <paramref name="condition"/> holds; fails naming
    /// <paramref name="what"/> after <paramref name="maxVirtual"/> of cluster time or the real-time default timeout x3.
    /// Returns the cluster time it took.
    /// </summary>
    public TimeSpan AwaitAdvancing(Func<bool> condition, string what, TimeSpan maxVirtual)
    {
        var start = Clock.GetUtcNow();
        var real = Stopwatch.StartNew();
        var realLimit = Nodes.DefaultTimeout * 3;
        while (!condition())
        {
            var elapsed = Clock.GetUtcNow() - start;
            if (elapsed >= maxVirtual)
                throw new XunitException($"{what}: not reached within {maxVirtual.TotalSeconds:0.#} s of cluster time ({real.Elapsed.TotalSeconds:0.#} s real){Environment.NewLine}{Describe()}");
            if (real.Elapsed > realLimit)
                throw new XunitException($"{what}: not reached within {realLimit.TotalSeconds:0} s of real time ({elapsed.TotalSeconds:0.#} s cluster time){Environment.NewLine}{Describe()}");
            Clock.Advance(Step);
            Settle(SettlePulses, condition);
        }

        return Clock.GetUtcNow() - start;
    }

    /// <summary>
    /// What a failed wait prints: each started node's view of the membership, then the last log lines at Info or
    /// above of every node (cluster time), so a failure under load names the step that did not happen.
    /// </summary>
    public string Describe(int lastLines = 40)
    {
        var lines = new List<string>();
        foreach (var (node, cluster) in _clusters.OrderBy(kv => kv.Key))
        {
            var state = cluster.State;
            lines.Add($"node {node} ({Address(node)}): leader {state.Leader?.Address.ToString() ?? "none"}; members "
                      + string.Join(", ", state.Members.Select(m => $"{m.Node.Address.Port}:{m.Status}"))
                      + "; unreachable " + (state.Unreachable.IsEmpty ? "none" : string.Join(", ", state.Unreachable.Select(m => m.Node.Address.Port))));
        }

        var events = _clusters.Keys
            .SelectMany(node => Nodes.Node(node).Logs.Events.Where(e => e.Level >= LogLevel.Info).Select(e => (node, e)))
            .OrderBy(x => x.e.Timestamp)
            .TakeLast(lastLines);
        lines.AddRange(events.Select(x => $"  n{x.node} {x.e}"));
        return string.Join(Environment.NewLine, lines);
    }

    /// <summary>Lets <paramref name="duration"/> of cluster time pass in the same steps as <see cref="AwaitAdvancing"/>.</summary>
    public void AdvanceFor(TimeSpan duration)
    {
        var end = Clock.GetUtcNow() + duration;
        while (Clock.GetUtcNow() < end)
        {
            Clock.Advance(Step);
            Settle(SettlePulses / 4, static () => false);
        }
    }

    /// <summary>
    /// Lets the messages a step caused be delivered before time moves on; returns early once the condition holds.
    /// The wait is counted in round trips through the thread pool's global queue, where the actors' mailboxes and the
    /// transport's completions run, not in milliseconds: ~1 ms each when the pool is free (so ~25 ms a step, and a
    /// heartbeat answer has ~750 ms of real time before its 3 s pause runs out), and as long as the queue is when
    /// other tests starve the pool or the CPU. Cluster time slows down with the machine instead of running ahead of
    /// it: a fixed real-time step let a node in a starved process look unreachable, or a handoff time out, without
    /// anything being wrong with the cluster.
    /// </summary>
    private static void Settle(int pulses, Func<bool> condition)
    {
        // Not disposed: a pulse still queued when a wait gives up may release it later.
        var done = new SemaphoreSlim(0);
        for (var i = 0; i < pulses && !condition(); i++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static d => d.Release(), done, preferLocal: false);
            done.Wait(PulsePatience);
            Thread.Sleep(1);
        }
    }

    public void Dispose() => Nodes.Dispose();
}
