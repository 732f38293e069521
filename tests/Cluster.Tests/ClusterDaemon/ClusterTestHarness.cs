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
            if (elapsed >= maxVirtual) throw new XunitException($"{what}: not reached within {maxVirtual.TotalSeconds:0.#} s of cluster time");
            if (real.Elapsed > realLimit) throw new XunitException($"{what}: not reached within {realLimit.TotalSeconds:0} s of real time ({elapsed.TotalSeconds:0.#} s cluster time)");
            Clock.Advance(Step);
            // Let the messages this step caused be delivered before time moves on; returns early once the condition holds. 25 ms a step gives a heartbeat answer ~750 ms of real time before the 3 s pause runs out.
            var settle = Stopwatch.StartNew();
            while (settle.ElapsedMilliseconds < 25 && !condition()) Thread.Sleep(1);
        }

        return Clock.GetUtcNow() - start;
    }

    /// <summary>Lets <paramref name="duration"/> of cluster time pass in the same steps as <see cref="AwaitAdvancing"/>.</summary>
    public void AdvanceFor(TimeSpan duration)
    {
        var end = Clock.GetUtcNow() + duration;
        while (Clock.GetUtcNow() < end)
        {
            Clock.Advance(Step);
            Thread.Sleep(5);
        }
    }

    public void Dispose() => Nodes.Dispose();
}
