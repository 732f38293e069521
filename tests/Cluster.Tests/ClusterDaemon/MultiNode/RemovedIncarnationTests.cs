using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.ClusterDaemon;
using ActorCodistill.Cluster.ClusterDaemon.Protocol;
using ActorCodistill.Cluster.Membership;
using ActorCodistill.TestKit;
using ClusterExtension = ActorCodistill.Cluster.ClusterDaemon.Cluster;

namespace ActorCodistill.Cluster.Tests.ClusterDaemon.MultiNode;

/// <summary>
/// A removed incarnation that still runs (a process resumed after SIGSTOP) is told it was removed. The stale node is
/// simulated on a bare loopback node: a stand-in at <c>/system/cluster</c> that joins, is downed and removed while it
/// "sleeps" (it never answers), then talks again with its stale view. Nothing of that view may reach the cluster, and
/// every message from it must be answered with the gossip that holds its tombstone.
/// </summary>
[Trait("Category", "MultiNode")]
public sealed class RemovedIncarnationTests
{
    [Fact]
    public void RemovedIncarnation_GossipsOrHeartbeatsAgain_RefusedAndAnsweredWithItsTombstone()
    {
        using var h = new ClusterTestHarness(2);
        var healthy = h.StartCluster(0, [h.Address(0)]);
        h.AwaitAdvancing(() => healthy.SelfMember.Status == MemberStatus.Up, "node 0 Up alone", TimeSpan.FromSeconds(10));
        var staleNode = h.Nodes.Node(1);
        ClusterExtension.RegisterSerializers(staleNode.Remoting.Serializers);
        var inbox = new TestProbe(staleNode.System);
        var stale = staleNode.System.SystemActorOf(Props.Create(() => new ForwardTo(inbox.Ref)), "cluster");
        var staleSelf = new UniqueAddress(staleNode.Address, unchecked((long)staleNode.Remoting.LocalAddress.Uid));
        var healthyDaemon = staleNode.Remoting.ResolveRemote($"{h.Address(0)}/system/cluster");

        healthyDaemon.Tell(new Join { Node = ClusterProtoMapping.ToProto(staleSelf) }, stale);
        var welcome = ClusterProtoMapping.FromProto(inbox.FishForMessage<Welcome>(_ => true).Gossip);
        Assert.True(welcome.HasMember(staleSelf));
        healthy.Down(staleNode.Address);
        h.AwaitAdvancing(() => healthy.State.Members.All(m => m.Node != staleSelf), "node 0 removed the stale node", TimeSpan.FromSeconds(5));
        var events = new TestProbe(h.Nodes.Node(0).System);
        healthy.Subscribe(events.Ref);
        var before = events.ExpectMsg<CurrentClusterState>();

        // Its view from before its removal, plus what it would decide on waking: everyone else is Down.
        var staleView = welcome.Down(staleSelf, healthy.SelfUniqueAddress);
        var gossip = new GossipEnvelope
        {
            From = ClusterProtoMapping.ToProto(staleSelf), To = ClusterProtoMapping.ToProto(healthy.SelfUniqueAddress), Gossip = ClusterProtoMapping.ToProto(staleView),
        };
        healthyDaemon.Tell(gossip, stale);

        var answer = inbox.FishForMessage<GossipEnvelope>(e => e.Gossip.Tombstones.Count > 0);
        Assert.Equal(ClusterProtoMapping.ToProto(staleSelf), answer.To);
        var answered = ClusterProtoMapping.FromProto(answer.Gossip);
        Assert.True(answered.Tombstones.ContainsKey(staleSelf));
        // What the stale node does with the answer: merges its own removal and must stop.
        var staleState = new ClusterCoreState(staleSelf, staleView, ClusterCoreState.Initial(staleSelf).Devices, WasMember: true);
        var merged = staleState.ReceiveGossip(healthy.SelfUniqueAddress, staleSelf, answered, ClusterProtoMapping.FromProto(answer.Devices));
        Assert.True(merged.State.MustStop);
        Assert.Null(merged.State.SelfMember);

        // Its heartbeats are not answered (it must stop looking healthy to itself) but get the same gossip.
        var heartbeatReceiver = staleNode.Remoting.ResolveRemote($"{h.Address(0)}/system/cluster/heartbeat-receiver");
        heartbeatReceiver.Tell(new ClusterHeartbeat { From = ClusterProtoMapping.ToProto(staleSelf), SequenceNr = 7 }, stale);
        var afterHeartbeat = inbox.ExpectMsg<GossipEnvelope>();
        Assert.True(ClusterProtoMapping.FromProto(afterHeartbeat.Gossip).Tombstones.ContainsKey(staleSelf));

        // The stale view reached node 0 and changed nothing there: still Up, no event published.
        Assert.Equal(MemberStatus.Up, healthy.SelfMember.Status);
        Assert.Equal(before.Members, healthy.State.Members);
        events.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        // Logged once per incarnation (the heartbeat answer after it is not): a resumed node sends a burst.
        Assert.Single(h.Nodes.Node(0).Logs.Events, e => e.Message.StartsWith($"removed incarnation {staleSelf} still", StringComparison.Ordinal));
        Assert.Contains(h.Nodes.Node(0).Logs.Events, e => e.Message.StartsWith($"removed incarnation {staleSelf} still gossips", StringComparison.Ordinal));
    }

    [Fact]
    public void HealthyMember_Heartbeat_StillAnswered()
    {
        using var h = new ClusterTestHarness(2);
        var healthy = h.StartCluster(0, [h.Address(0)]);
        h.AwaitAdvancing(() => healthy.SelfMember.Status == MemberStatus.Up, "node 0 Up alone", TimeSpan.FromSeconds(10));
        var other = h.Nodes.Node(1);
        ClusterExtension.RegisterSerializers(other.Remoting.Serializers);
        var inbox = new TestProbe(other.System);
        var self = new UniqueAddress(other.Address, unchecked((long)other.Remoting.LocalAddress.Uid));

        other.Remoting.ResolveRemote($"{h.Address(0)}/system/cluster/heartbeat-receiver")
            .Tell(new ClusterHeartbeat { From = ClusterProtoMapping.ToProto(self), SequenceNr = 3 }, inbox.Ref);

        var rsp = inbox.ExpectMsg<ClusterHeartbeatRsp>();
        Assert.Equal(3, rsp.SequenceNr);
        Assert.Equal(ClusterProtoMapping.ToProto(healthy.SelfUniqueAddress), rsp.From);
    }

    /// <summary>Stands in for the stale node's daemon: hands everything sent to <c>/system/cluster</c> to the test.</summary>
    private sealed class ForwardTo : ReceiveActor
    {
        public ForwardTo(IActorRef target) => ReceiveAny(message => target.Tell(message, Sender));
    }
}
