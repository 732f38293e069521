using System.Runtime.InteropServices;
using ActorCodistill.Cluster.Bootstrap;
using ActorCodistill.Cluster.DataPlane;
using ActorCodistill.Cluster.Remote;
using Akka.Actor;
using Akka.TestKit;
using Xunit.Abstractions;
using Plane = ActorCodistill.Cluster.DataPlane.DataPlane;

namespace ActorCodistill.Cluster.Tests.MultiNode;

/// <summary>
/// The data plane in a cluster: a node that leaves is forgotten (its outbox dropped, its data-plane address looked up
/// afresh if it comes back), and tensors reach the nodes that join later.
/// </summary>
[Trait("Category", "MultiNode")]
public sealed class DataPlaneMembershipTests : Akka.TestKit.Xunit2.TestKit
{
    private const string Secret = "data-plane-membership-secret-0123456789";
    private readonly List<ActorSystem> _workers = [];

    public DataPlaneMembershipTests(ITestOutputHelper output)
        : base(AkkaNode.Configuration(new AkkaNodeOptions("codistill", Roles: ["seed"]) { StableAfter = TimeSpan.FromSeconds(2) }), "codistill", output)
    {
        Plane.Start(Sys, Settings(), Codecs());
        Akka.Cluster.Cluster.Get(Sys).Join(AkkaNode.AddressOf(Sys));
    }

    private static RemoteSettings Settings() => new() { Secret = Secret, Hostname = "127.0.0.1", Port = 0, MaxFrameSize = 256 * 1024, BulkChunkSize = 64 * 1024 };

    private static BulkCodecs Codecs() => new BulkCodecs().Add(new BulkCodec(typeof(TestTensor), "test.tensor",
        m => new BulkMessageParts(BitConverter.GetBytes(((TestTensor)m).Step), MemoryMarshal.AsBytes(((TestTensor)m).Data.AsSpan()).ToArray()),
        (metadata, payload) => new TestTensor(BitConverter.ToInt64(metadata.Span), MemoryMarshal.Cast<byte, float>(payload.Span).ToArray())));

    private ActorSystem JoinWorker()
    {
        var seed = AkkaNode.AddressOf(Sys);
        var worker = ActorSystem.Create("codistill", AkkaNode.Configuration(
            new AkkaNodeOptions("codistill", SeedNodes: [$"{seed.Host}:{seed.Port}"], Roles: ["worker"]) { StableAfter = TimeSpan.FromSeconds(2) }));
        _workers.Add(worker);
        Plane.Start(worker, Settings(), Codecs());
        AwaitAssert(() => Assert.Contains(Akka.Cluster.Cluster.Get(Sys).State.Members, m => m.Address == AkkaNode.AddressOf(worker) && m.Status == Akka.Cluster.MemberStatus.Up),
            TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200));
        return worker;
    }

    private void SendTo(ActorSystem worker, TestProbe probe, long step)
    {
        var target = ((ExtendedActorSystem)Sys).Provider.ResolveActorRef(probe.Ref.Path.ToSerializationFormatWithAddress(AkkaNode.AddressOf(worker)));
        Plane.Get(Sys).Tell(target, new TestTensor(step, [step, step + 1]));
        Assert.Equal(step, probe.ExpectMsg<TestTensor>(TimeSpan.FromSeconds(20)).Step);
    }

    protected override void AfterAll()
    {
        foreach (var w in _workers) w.Terminate().Wait(TimeSpan.FromSeconds(15));
        base.AfterAll();
    }

    [Fact]
    public void ANodeThatLeaves_IsForgotten_AndANodeThatJoinsLater_GetsItsTensors()
    {
        var first = JoinWorker();
        var firstAddress = AkkaNode.AddressOf(first);
        SendTo(first, CreateTestProbe(first), 1);
        Assert.Contains(firstAddress, Plane.Get(Sys).Peers);

        Akka.Cluster.Cluster.Get(first).Leave(firstAddress);
        AwaitAssert(() => Assert.DoesNotContain(firstAddress, Plane.Get(Sys).Peers), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200));

        var second = JoinWorker();
        SendTo(second, CreateTestProbe(second), 2);
        Assert.Equal([AkkaNode.AddressOf(second)], Plane.Get(Sys).Peers);
    }
}
