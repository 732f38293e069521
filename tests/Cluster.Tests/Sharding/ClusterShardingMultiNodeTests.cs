using System.Collections.Concurrent;
using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.Membership;
using ActorCodistill.Cluster.Remoting;
using ActorCodistill.Cluster.Sharding;
using ActorCodistill.Cluster.Tests.ClusterDaemon;
using Google.Protobuf.WellKnownTypes;

namespace ActorCodistill.Cluster.Tests.Sharding;

/// <summary>
/// Regions and coordinators on loopback nodes with the cluster daemon; membership and sharding time both run on the
/// harness's manual clock, so retries, rebalances and passivation happen only as the test advances it.
/// </summary>
[Trait("Category", "MultiNode")]
public sealed class ClusterShardingMultiNodeTests
{
    private const string Type = "echo";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static readonly ClusterShardingSettings Settings = new()
    {
        NumberOfShards = 12,
        RetryInterval = TimeSpan.FromMilliseconds(200),
        RebalanceInterval = TimeSpan.FromSeconds(1),
        RebuildTimeout = TimeSpan.FromSeconds(2),
        HandoffTimeout = TimeSpan.FromSeconds(10),
        PassivateIdleAfter = null,
    };

    private static readonly HashShardIdExtractor Extractor = new(Settings.NumberOfShards);

    private static readonly string[] Entities = Enumerable.Range(0, 30).Select(i => $"entity-{i}").ToArray();

    [Fact]
    public void ThreeNodes_ThirtyEntities_EachReachedOnceAndShardsSpreadLeastShards()
    {
        using var h = new ClusterTestHarness(3);
        h.FormCluster(3);
        var regions = Enumerable.Range(0, 3).Select(i => Start(h, i)).ToArray();
        var (replies, collector) = Collector(h, 0);

        Send(regions[0], collector, "r1", Entities);
        AwaitReplies(h, replies, 30);

        var round = replies.ToArray();
        Assert.Equal(Entities.Order(), round.Select(r => r.EntityId).Order());
        Assert.All(round, r => Assert.Equal(1, r.Seen));
        var shardsPerNode = Enumerable.Range(0, 3)
            .Select(i => round.Where(r => r.Node == h.Address(i).ToString()).Select(r => Extractor.ShardId(r.EntityId)).Distinct().Count())
            .ToArray();
        // Shards are allocated on first use, each to the region with the fewest: counts differ by at most one.
        Assert.True(shardsPerNode.Max() - shardsPerNode.Min() <= 1, $"shards per node: {string.Join(",", shardsPerNode)}");
        Assert.All(round.GroupBy(r => Extractor.ShardId(r.EntityId)), shard => Assert.Single(shard.Select(r => r.Node).Distinct()));

        var refused = Assert.Throws<NotSerializableMessageException>(() => regions[1].Tell(new ShardingEnvelope("entity-1", new LocalOnlyMessage(1))));
        Assert.Contains(nameof(LocalOnlyMessage), refused.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Killing the oldest node takes the coordinator with it: the next oldest takes over and rebuilds from the
    /// survivors' registrations. Killing another node leaves the coordinator to re-home the dead region's shards.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void KilledNode_EntitiesRestartOnSurvivors_MessagesSentDuringTheMoveDelivered(bool killOldest)
    {
        using var h = new ClusterTestHarness(3);
        h.FormCluster(3);
        var regions = Enumerable.Range(0, 3).Select(i => Start(h, i)).ToArray();
        var oldest = ShardingNames.OldestWithRole(h.Cluster(0).State, null);
        var victimIndex = Enumerable.Range(0, 3).First(i => h.Cluster(i).SelfUniqueAddress.Equals(oldest) == killOldest);
        var (a, b) = (Enumerable.Range(0, 3).First(i => i != victimIndex), Enumerable.Range(0, 3).Last(i => i != victimIndex));
        var victim = h.Cluster(victimIndex).SelfUniqueAddress;
        var (replies, collector) = Collector(h, a);
        Send(regions[a], collector, "r1", Entities);
        AwaitReplies(h, replies, 30);
        var moved = replies.Where(r => r.Node == h.Address(victimIndex).ToString()).Select(r => r.EntityId).ToHashSet();
        Assert.NotEmpty(moved);

        h.Nodes.Kill(victimIndex);
        h.AwaitAdvancing(() => new[] { a, b }.All(i => h.Cluster(i).State.Unreachable.Any(m => m.Node == victim)),
            "survivors see the killed node unreachable", TimeSpan.FromSeconds(12));
        // Sent while the node is unreachable but not yet downed: the regions must hold these, not send them to the dead node.
        Send(regions[a], collector, "r2", Entities);
        Send(regions[b], collector, "r2b", [.. moved]);
        AwaitReplies(h, replies, 60 + moved.Count);

        Assert.DoesNotContain(h.Cluster(a).State.Members, m => m.Node == victim && m.Status == MemberStatus.Up);
        var second = replies.Where(r => r.MessageId.StartsWith("r2", StringComparison.Ordinal)).ToArray();
        AssertExactlyOnce(second, Entities.Select(e => $"r2-{e}").Concat(moved.Select(e => $"r2b-{e}")));
        Assert.All(second, r => Assert.NotEqual(h.Address(victimIndex).ToString(), r.Node));
        // Moved entities started afresh on a survivor (their first incarnation died with the node); the others kept theirs.
        foreach (var entity in Entities)
        {
            var seen = second.Where(r => r.EntityId == entity).Select(r => r.Seen).Order().ToArray();
            Assert.Equal(moved.Contains(entity) ? [1, 2] : [2], seen);
        }

        Send(regions[b], collector, "r3", Entities);
        AwaitReplies(h, replies, 90 + moved.Count);
        AssertExactlyOnce(replies.Where(r => r.MessageId.StartsWith("r3", StringComparison.Ordinal)), Entities.Select(e => $"r3-{e}"));
    }

    [Fact]
    public void JoiningNode_RebalanceHandsShardsOff_EveryMessageDeliveredExactlyOnce()
    {
        using var h = new ClusterTestHarness(3);
        h.FormCluster(2);
        var regions = new IActorRef[3];
        regions[0] = Start(h, 0);
        regions[1] = Start(h, 1);
        var (replies, collector) = Collector(h, 0);
        Send(regions[0], collector, "warm", Entities);
        AwaitReplies(h, replies, 30);
        Assert.DoesNotContain(replies, r => r.Node == h.Address(2).ToString());

        h.StartCluster(2, [h.Address(0)]);
        h.AwaitAllUp(0, 1, 2);
        regions[2] = Start(h, 2);
        var sent = new List<string>();
        for (var round = 0; round < 8; round++)
        {
            // Rounds alternate between the old regions so both route through the handoffs.
            sent.AddRange(Send(regions[round % 2], collector, $"j{round}", Entities));
            h.AdvanceFor(TimeSpan.FromMilliseconds(600));
        }

        h.AdvanceFor(TimeSpan.FromSeconds(3));
        sent.AddRange(Send(regions[2], collector, "final", Entities));
        AwaitReplies(h, replies, 30 + sent.Count);
        h.AdvanceFor(TimeSpan.FromSeconds(1));

        AssertExactlyOnce(replies.Where(r => !r.MessageId.StartsWith("warm", StringComparison.Ordinal)), sent);
        var final = replies.Where(r => r.MessageId.StartsWith("final", StringComparison.Ordinal)).ToArray();
        var shardsPerNode = Enumerable.Range(0, 3)
            .Select(i => final.Where(r => r.Node == h.Address(i).ToString()).Select(r => Extractor.ShardId(r.EntityId)).Distinct().Count())
            .ToArray();
        Assert.True(shardsPerNode[2] > 0, "no shard moved to the new node");
        Assert.True(shardsPerNode.Max() - shardsPerNode.Min() <= 1, $"shards per node after rebalance: {string.Join(",", shardsPerNode)}");
        Assert.Contains(new[] { 0, 1 }.SelectMany(i => h.Nodes.Node(i).Logs.Events), e => e.Message.Contains("rebalancing shard", StringComparison.Ordinal));
    }

    [Fact]
    public void PinnedEntity_PlacedOnNodeOfferingItsSlot_NeverPassivated()
    {
        using var h = new ClusterTestHarness(3);
        h.StartCluster(0, [h.Address(0)], devices: ["cpu:0"]);
        h.StartCluster(1, [h.Address(0)], devices: ["cpu:0", "cpu:1"]);
        h.StartCluster(2, [h.Address(0)], devices: ["cpu:0"]);
        h.AwaitAllUp(0, 1, 2);
        var settings = Settings with { PassivateIdleAfter = TimeSpan.FromSeconds(1) };
        var placement = ShardPlacement.Pinned(shard => shard == "g0-r1" ? "cpu:1" : null);
        var regions = Enumerable.Range(0, 3).Select(i => ClusterShardingFor(h, i).Start(
            Type, id => Props.Create(() => new EchoEntity(id)), settings, new DeviceEntityExtractor(), placement, h.Clock)).ToArray();
        var (replies, collector) = Collector(h, 2);
        string[] entities = ["g0-r1", "plain-1", "plain-2"];

        Send(regions[2], collector, "a", entities);
        AwaitReplies(h, replies, 3);
        h.AdvanceFor(TimeSpan.FromSeconds(3));
        Send(regions[0], collector, "b", entities);
        AwaitReplies(h, replies, 6);

        var pinned = replies.Where(r => r.EntityId == "g0-r1").ToArray();
        Assert.All(pinned, r => Assert.Equal(h.Address(1).ToString(), r.Node));
        Assert.Equal([1, 2], pinned.Select(r => r.Seen).Order().ToArray());
        // The unpinned ones were idle past PassivateIdleAfter, stopped, and started again by the second message.
        Assert.All(replies.Where(r => r.EntityId != "g0-r1"), r => Assert.Equal(1, r.Seen));
    }

    [Fact]
    public void ProxyOnlyNode_RoutesToEntitiesOnRoleMembers()
    {
        using var h = new ClusterTestHarness(3);
        h.StartCluster(0, [h.Address(0)], roles: ["worker"]);
        h.StartCluster(1, [h.Address(0)], roles: ["worker"]);
        h.StartCluster(2, [h.Address(0)]);
        h.AwaitAllUp(0, 1, 2);
        var settings = Settings with { Role = "worker" };
        Start(h, 0, settings);
        Start(h, 1, settings);
        var proxy = ClusterShardingFor(h, 2).StartProxy(Type, "worker", settings: settings, clock: h.Clock);
        var (replies, collector) = Collector(h, 2);

        Send(proxy, collector, "p", Entities[..10]);
        AwaitReplies(h, replies, 10);

        Assert.Equal(Entities[..10].Order(), replies.Select(r => r.EntityId).Order());
        Assert.All(replies, r => Assert.NotEqual(h.Address(2).ToString(), r.Node));
        Assert.Equal(2, replies.Select(r => r.Node).Distinct().Count());
    }

    private static ClusterSharding ClusterShardingFor(ClusterTestHarness h, int node) => ClusterSharding.Get(h.Nodes.Node(node).System);

    private static IActorRef Start(ClusterTestHarness h, int node, ClusterShardingSettings? settings = null) =>
        ClusterShardingFor(h, node).Start(Type, id => Props.Create(() => new EchoEntity(id)), settings ?? Settings, clock: h.Clock);

    private static (ConcurrentQueue<EntityReply> Replies, IActorRef Collector) Collector(ClusterTestHarness h, int node)
    {
        var replies = new ConcurrentQueue<EntityReply>();
        return (replies, h.Nodes.Node(node).System.ActorOf(Props.Create(() => new ReplyCollector(replies)), "collector"));
    }

    private static IEnumerable<string> Send(IActorRef region, IActorRef replyTo, string round, IEnumerable<string> entities)
    {
        var ids = new List<string>();
        foreach (var entity in entities)
        {
            var id = $"{round}-{entity}";
            region.Tell(new ShardingEnvelope(entity, new StringValue { Value = id }), replyTo);
            ids.Add(id);
        }

        return ids;
    }

    private static void AwaitReplies(ClusterTestHarness h, ConcurrentQueue<EntityReply> replies, int count) =>
        h.AwaitAdvancing(() => replies.Count >= count, $"{count} entity replies", Patience);

    private static void AssertExactlyOnce(IEnumerable<EntityReply> replies, IEnumerable<string> expectedIds)
    {
        var counts = replies.GroupBy(r => r.MessageId).ToDictionary(g => g.Key, g => g.Count());
        var expected = expectedIds.ToHashSet();
        var missing = expected.Where(id => !counts.ContainsKey(id)).ToList();
        var wrong = counts.Where(kv => kv.Value != 1 || !expected.Contains(kv.Key)).Select(kv => $"{kv.Key} x{kv.Value}").ToList();
        Assert.True(missing.Count == 0, $"never delivered: {string.Join(", ", missing)}");
        Assert.True(wrong.Count == 0, $"delivered other than once: {string.Join(", ", wrong)}");
    }
}
