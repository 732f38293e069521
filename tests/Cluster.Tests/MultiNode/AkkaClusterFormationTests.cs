using System.Diagnostics;
using ActorCodistill.Cluster.Bootstrap;
using Akka.Actor;
using Akka.Cluster;
using Xunit.Abstractions;

namespace ActorCodistill.Cluster.Tests.MultiNode;

/// <summary>
/// Several ActorSystems in this process forming a real Akka.Cluster over loopback with the product's node settings
/// (AkkaNode: roles, phi-accrual heartbeats, the Split Brain Resolver keeping the oldest seed): join, a crashed worker
/// node detected and downed, a graceful leave. The first step of issue 17 (Akka.NET); the TestKit's own system is the
/// seed node.
/// </summary>
[Trait("Category", "MultiNode")]
public sealed class AkkaClusterFormationTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan StableAfter = TimeSpan.FromSeconds(3);
    private readonly ITestOutputHelper _output;
    private readonly List<ActorSystem> _workers = [];

    public AkkaClusterFormationTests(ITestOutputHelper output)
        : base(AkkaNode.Configuration(Options("codistill", ["seed"])), "codistill", output)
    {
        _output = output;
    }

    private static AkkaNodeOptions Options(string name, string[] roles, IReadOnlyList<string>? seeds = null) =>
        new(name, SeedNodes: seeds, Roles: roles) { StableAfter = StableAfter };

    private Akka.Cluster.Cluster Seed => Akka.Cluster.Cluster.Get(Sys);

    private ActorSystem StartWorker(bool crashable = false)
    {
        var seed = AkkaNode.AddressOf(Sys);
        var options = Options("codistill", ["worker"], [$"{seed.Host}:{seed.Port}"]);
        var config = AkkaNode.Configuration(options);
        // A crash: terminating this system must not leave the cluster first, as a killed process cannot.
        if (crashable)
            config = Akka.Configuration.ConfigurationFactory.ParseString("akka.coordinated-shutdown.run-by-actor-system-terminate = off").WithFallback(config);
        var system = ActorSystem.Create("codistill", config);
        _workers.Add(system);
        return system;
    }

    private void FormCluster(int workers, bool crashable = false)
    {
        Seed.Join(Seed.SelfAddress);
        for (var i = 0; i < workers; i++) StartWorker(crashable && i == 0);
        AwaitAssert(() =>
        {
            Assert.Equal(workers + 1, Seed.State.Members.Count(m => m.Status == MemberStatus.Up));
            foreach (var w in _workers)
                Assert.Equal(workers + 1, Akka.Cluster.Cluster.Get(w).State.Members.Count(m => m.Status == MemberStatus.Up));
        }, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200));
    }

    protected override void AfterAll()
    {
        foreach (var w in _workers) w.Terminate().Wait(TimeSpan.FromSeconds(10));
        base.AfterAll();
    }

    [Fact]
    public void SeedAndTwoWorkers_FormOneClusterWithTheirRoles()
    {
        FormCluster(workers: 2);
        Assert.Single(Seed.State.Members, m => m.HasRole("seed"));
        Assert.Equal(2, Seed.State.Members.Count(m => m.HasRole("worker")));
        var seed = Seed.State.Members.Single(m => m.Address == Seed.SelfAddress);
        Assert.All(Seed.State.Members.Where(m => m != seed), m => Assert.True(seed.IsOlderThan(m), $"{m} is older than the seed"));
    }

    [Fact]
    public async Task AWorkerNodeThatCrashes_IsFoundUnreachable_ThenDownedByTheResolver_AndRemoved()
    {
        FormCluster(workers: 2, crashable: true);
        var victim = Akka.Cluster.Cluster.Get(_workers[0]).SelfAddress;
        var clock = Stopwatch.StartNew();
        await _workers[0].Terminate().WaitAsync(TimeSpan.FromSeconds(10));

        AwaitAssert(() => Assert.Contains(Seed.State.Unreachable, m => m.Address == victim), TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(100));
        var unreachable = clock.Elapsed;
        AwaitAssert(() => Assert.DoesNotContain(Seed.State.Members, m => m.Address == victim), TimeSpan.FromSeconds(40), TimeSpan.FromMilliseconds(100));
        var removed = clock.Elapsed;
        _output.WriteLine($"crashed worker node: unreachable after {unreachable.TotalSeconds:F1} s, removed after {removed.TotalSeconds:F1} s " +
                          $"(heartbeat 500 ms, acceptable pause 2 s, stable-after {StableAfter.TotalSeconds} s)");

        // The survivors carry on: the seed and the other worker, both Up.
        Assert.Equal(2, Seed.State.Members.Count(m => m.Status == MemberStatus.Up));
        AwaitAssert(() => Assert.Equal(2, Akka.Cluster.Cluster.Get(_workers[1]).State.Members.Count(m => m.Status == MemberStatus.Up)),
            TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task AWorkerNodeThatLeaves_IsRemovedWithoutBeingDowned_AndItsSystemStops()
    {
        FormCluster(workers: 1);
        var leaving = Akka.Cluster.Cluster.Get(_workers[0]);
        var address = leaving.SelfAddress;
        leaving.Leave(address);
        AwaitAssert(() => Assert.DoesNotContain(Seed.State.Members, m => m.Address == address), TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(100));
        Assert.Empty(Seed.State.Unreachable);
        await _workers[0].WhenTerminated.WaitAsync(TimeSpan.FromSeconds(20)); // throws TimeoutException if it did not stop
    }

    [Fact]
    public void Configuration_CarriesTheProductsClusterSettings()
    {
        var config = AkkaNode.Configuration(new AkkaNodeOptions("codistill", SeedNodes: ["10.0.0.5:4053"], Roles: ["worker"]));
        Assert.Equal("cluster", config.GetString("akka.actor.provider"));
        Assert.Equal(["akka.tcp://codistill@10.0.0.5:4053"], config.GetStringList("akka.cluster.seed-nodes"));
        Assert.Equal(["worker"], config.GetStringList("akka.cluster.roles"));
        Assert.Equal("keep-oldest", config.GetString("akka.cluster.split-brain-resolver.active-strategy"));
        Assert.Equal("seed", config.GetString("akka.cluster.split-brain-resolver.keep-oldest.role"));
        Assert.Equal(TimeSpan.FromSeconds(2), config.GetTimeSpan("akka.cluster.failure-detector.acceptable-heartbeat-pause"));
        var majority = AkkaNode.Configuration(new AkkaNodeOptions("codistill") { Strategy = SplitBrainStrategy.KeepMajority });
        Assert.Equal("keep-majority", majority.GetString("akka.cluster.split-brain-resolver.active-strategy"));
    }
}
