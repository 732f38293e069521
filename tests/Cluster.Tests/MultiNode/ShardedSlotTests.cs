using ActorCodistill.Cluster.Bootstrap;
using ActorCodistill.Cluster.Serialization;
using ActorCodistill.Cluster.Slots;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Xunit.Abstractions;

namespace ActorCodistill.Cluster.Tests.MultiNode;

/// <summary>A message for one worker slot, routed by its slot id.</summary>
public sealed record ToSlot(string Slot, object Payload) : IProductMessage;

public sealed record WhereIsSlot : IProductMessage;

public sealed record SlotIsOn(string Slot, string Node) : IProductMessage;

/// <summary>A worker slot entity: says which node it runs on.</summary>
public sealed class SlotEntity : ReceiveActor
{
    public SlotEntity()
    {
        var node = Akka.Cluster.Cluster.Get(Context.System).SelfAddress.ToString();
        Receive<WhereIsSlot>(_ => Sender.Tell(new SlotIsOn(Self.Path.Name, node)));
    }
}

/// <summary>One slot per shard: each slot is placed on its own.</summary>
public sealed class SlotExtractor : IMessageExtractor
{
    public string? EntityId(object message) => message is ToSlot m ? m.Slot : null;

    public object? EntityMessage(object message) => message is ToSlot m ? m.Payload : message;

    public string? ShardId(object message) => message is ToSlot m ? m.Slot : null;

    public string ShardId(string entityId, object? messageHint = null) => entityId;
}

/// <summary>
/// Worker slots as Akka.Cluster.Sharding entities with the product's pinned allocation (issue 17): several
/// ActorSystems form a real cluster over loopback (the TestKit's system is the seed, with a sharding proxy; worker nodes
/// announce devices as roles and host the slot region). A node never gets more slots than devices, a slot without a
/// free device waits until a node with one joins, and a drained node gives its slots up to nodes with free devices.
/// </summary>
[Trait("Category", "MultiNode")]
public sealed class ShardedSlotTests : Akka.TestKit.Xunit2.TestKit
{
    private const string TypeName = "worker-slot";
    private readonly List<ActorSystem> _workers = [];
    private readonly List<PinnedSlotAllocation> _strategies = [];
    private readonly IActorRef _proxy;

    public ShardedSlotTests(ITestOutputHelper output)
        : base(Config(["seed"]), "codistill", output)
    {
        Akka.Cluster.Cluster.Get(Sys).Join(Akka.Cluster.Cluster.Get(Sys).SelfAddress);
        _proxy = ClusterSharding.Get(Sys).StartProxy(TypeName, "worker", new SlotExtractor());
    }

    private static Config Config(IEnumerable<string> roles, string? seed = null) =>
        ConfigurationFactory.ParseString("""
            akka.cluster.sharding {
              rebalance-interval = 1s
              retry-interval = 500ms
            }
            """).WithFallback(AkkaNode.Configuration(new AkkaNodeOptions("codistill", SeedNodes: seed is null ? null : [seed], Roles: roles.ToArray())));

    private ActorSystem StartWorkerNode(params string[] devices)
    {
        var seed = AkkaNode.AddressOf(Sys);
        var system = ActorSystem.Create("codistill", Config(["worker", .. DeviceRoles.For(devices)], $"{seed.Host}:{seed.Port}"));
        _workers.Add(system);
        var strategy = new PinnedSlotAllocation(system);
        _strategies.Add(strategy);
        ClusterSharding.Get(system).Start(TypeName, Props.Create(() => new SlotEntity()), ClusterShardingSettings.Create(system).WithRole("worker"),
            new SlotExtractor(), strategy, PoisonPill.Instance);
        AwaitAssert(() => Assert.Contains(Akka.Cluster.Cluster.Get(Sys).State.Members, m => m.Address == AkkaNode.AddressOf(system) && m.Status == MemberStatus.Up),
            TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200));
        return system;
    }

    private string WhereIs(string slot, TimeSpan? within = null)
    {
        string node = "";
        // The first message for a slot can meet a coordinator still starting; ask until it answers.
        AwaitAssert(() =>
        {
            var probe = CreateTestProbe();
            _proxy.Tell(new ToSlot(slot, new WhereIsSlot()), probe.Ref);
            node = probe.ExpectMsg<SlotIsOn>(TimeSpan.FromSeconds(2)).Node;
        }, within ?? TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100));
        return node;
    }

    private static string Slot(int group, int slot) => $"group-{group}-slot-{slot}";

    protected override void AfterAll()
    {
        foreach (var w in _workers) w.Terminate().Wait(TimeSpan.FromSeconds(15));
        base.AfterAll();
    }

    [Fact]
    public void SlotsFillTheDevices_NeverBeyond_AndASlotWithoutADeviceWaitsForANodeWithOne()
    {
        var a = StartWorkerNode("cpu0", "cpu1");
        var b = StartWorkerNode("cpu0", "cpu1");
        var placed = Enumerable.Range(0, 4).Select(i => WhereIs(Slot(i / 2, i % 2))).ToList();
        Assert.Equal(2, placed.Count(n => n == AkkaNode.AddressOf(a).ToString()));
        Assert.Equal(2, placed.Count(n => n == AkkaNode.AddressOf(b).ToString()));

        // A fifth slot: every device is taken, so it gets no home (and no answer) ...
        var probe = CreateTestProbe();
        _proxy.Tell(new ToSlot(Slot(2, 0), new WhereIsSlot()), probe.Ref);
        probe.ExpectNoMsg(TimeSpan.FromSeconds(3));
        // ... until a node with a free device joins; then the waiting message is delivered there.
        var c = StartWorkerNode("cpu0");
        Assert.Equal(AkkaNode.AddressOf(c).ToString(), probe.ExpectMsg<SlotIsOn>(TimeSpan.FromSeconds(30)).Node);
        // The placed slots stay where they are.
        Assert.Equal(placed, Enumerable.Range(0, 4).Select(i => WhereIs(Slot(i / 2, i % 2))).ToList());
    }

    [Fact]
    public void ADrainedNode_GivesItsSlotsUpToNodesWithFreeDevices_AndGetsNoneAgain()
    {
        var a = StartWorkerNode("cpu0", "cpu1", "cpu2");
        var b = StartWorkerNode("cpu0", "cpu1", "cpu2");
        var slots = Enumerable.Range(0, 2).Select(i => Slot(0, i)).ToList();
        var before = slots.ToDictionary(s => s, s => WhereIs(s));
        var drainedNode = before.Values.GroupBy(n => n).OrderByDescending(g => g.Count()).First().Key;
        var other = new[] { a, b }.Select(s => AkkaNode.AddressOf(s).ToString()).Single(n => n != drainedNode);

        // The strategy that counts is the shard coordinator's (on the oldest worker node); tell every node's.
        var address = Address.Parse(drainedNode);
        foreach (var strategy in _strategies) strategy.Drain(address, "test");

        foreach (var slot in slots)
        {
            // After the rebalance hands the slot off, the next message starts it on the other node.
            AwaitAssert(() => Assert.Equal(other, WhereIs(slot)), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(250));
        }
        Assert.Equal(other, WhereIs(Slot(1, 0)));
    }
}
