using System.Buffers.Binary;
using System.Runtime.InteropServices;
using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.Remote;
using ActorCodistill.Cluster.Remote.Protocol;
using ActorCodistill.Cluster.Remoting;
using ActorCodistill.Cluster.Tests.Remote;
using ActorCodistill.TestKit;
using ActorCodistill.TestKit.MultiNode;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace ActorCodistill.Cluster.Tests.Remoting;

/// <summary>Bulk messages (tensors on the bulk channel) and JSON control records between two nodes on loopback.</summary>
[Trait("Category", "MultiNode")]
public sealed class BulkMessagingTests : IDisposable
{
    private readonly MultiNodeCluster _cluster = MultiNodeCluster.Start(2, RemotingTestSettings.Secret);

    public BulkMessagingTests()
    {
        foreach (var node in _cluster.RunningNodes) BulkTestMessages.Register(node.Remoting.Serializers);
    }

    private ClusterNode Node0 => _cluster.Node(0);
    private ClusterNode Node1 => _cluster.Node(1);

    public void Dispose() => _cluster.Dispose();

    private TestProbe Probe(ClusterNode node, string name) => new(node.System, name, _cluster.DilationFactor);

    /// <summary>The ref node <paramref name="from"/> uses to reach <paramref name="probe"/> on another node.</summary>
    private static IActorRef Remote(ClusterNode from, TestProbe probe) => from.System.ResolveRemote(probe.Ref.Path.ToStringWithUid());

    [Fact]
    public void Tell_16MiBFloat32_ArrivesBitIdenticalWithSenderAndJsonReplyComesBack()
    {
        var sender = Probe(Node0, "sender");
        var receiver = Probe(Node1, "receiver");
        var values = BulkTestMessages.RandomFloats(4 * 1024 * 1024, seed: 16);

        sender.Send(Remote(Node0, receiver), new FloatTensor(7, values));

        var got = receiver.ExpectMsg<FloatTensor>(timeout: _cluster.DefaultTimeout);
        Assert.Equal(7, got.Step);
        Assert.True(MemoryMarshal.AsBytes(got.Values.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(values.AsSpan())), "payload differs");
        Assert.IsType<RemoteActorRef>(receiver.LastSender);
        Assert.Equal(sender.Ref.Path.ToStringWithUid(), receiver.LastSender.Path.ToStringWithUid());

        receiver.Reply(new TensorReceived(got.Step, got.Values.Length, receiver.Ref));

        var reply = sender.ExpectMsg<TensorReceived>(timeout: _cluster.DefaultTimeout);
        Assert.Equal(7, reply.Step);
        Assert.Equal(4 * 1024 * 1024, reply.Length);
        Assert.Equal(receiver.Ref.Path.ToStringWithUid(), reply.ReceivedBy.Path.ToStringWithUid());
        Assert.Equal(receiver.Ref.Path.ToStringWithUid(), sender.LastSender.Path.ToStringWithUid());
    }

    [Fact]
    public void Tell_200BulkOfVariedSizes_ArriveInOrderAndIntact()
    {
        const int count = 200;
        var sender = Probe(Node0, "sender");
        var receiver = Probe(Node1, "receiver");
        var target = Remote(Node0, receiver);
        var random = new Random(200);
        // Empty, sub-chunk, exactly one chunk, and multi-chunk payloads (chunks are 1 MiB), mixed.
        var sizes = Enumerable.Range(0, count).Select(i => (i % 50) switch
        {
            0 => 0,
            1 => 1024 * 1024,
            2 => 2 * 1024 * 1024 + 3,
            _ => random.Next(1, 64 * 1024),
        }).ToArray();

        for (var i = 0; i < count; i++) sender.Send(target, new Blob(i, BulkTestMessages.Pattern(i, sizes[i])));

        var received = receiver.ReceiveN(count, _cluster.Dilated(TimeSpan.FromSeconds(30))).Cast<Blob>().ToArray();
        Assert.Equal(Enumerable.Range(0, count), received.Select(b => b.Sequence));
        for (var i = 0; i < count; i++) Assert.True(received[i].Data.AsSpan().SequenceEqual(BulkTestMessages.Pattern(i, sizes[i])), $"blob {i} differs");
    }

    [Fact]
    public void Json_RecordWithRefsAcrossNodes_RefsUsableForReplies()
    {
        var worker = Probe(Node0, "worker");
        var peer = Probe(Node0, "peer");
        var coordinator = Probe(Node1, "coordinator");
        var report = new StepReport(12, ReportStatus.Running, worker.Ref, [worker.Ref, peer.Ref],
            new Dictionary<int, long> { [0] = 512, [1] = 1024 }, new ShardRange(2, 4), [new ShardRange(6, 1)], 0.25, null, null);

        worker.Send(Remote(Node0, coordinator), report);

        var got = coordinator.ExpectMsg<StepReport>(timeout: _cluster.DefaultTimeout);
        Assert.Equal(12, got.Step);
        Assert.Equal(ReportStatus.Running, got.Status);
        Assert.Equal(1024, got.TokensByRank[1]);
        Assert.Equal(new ShardRange(2, 4), got.Shard);
        Assert.Equal(0.25, got.Loss);
        Assert.Null(got.Teacher);
        Assert.IsType<RemoteActorRef>(got.Worker);
        // Refs inside the record reach the actors they named on node 0.
        got.Group[1].Tell(new StringValue { Value = "to the peer" }, coordinator.Ref);
        got.Worker.Tell(new StringValue { Value = "to the worker" }, coordinator.Ref);
        Assert.Equal("to the peer", peer.ExpectMsg<StringValue>(timeout: _cluster.DefaultTimeout).Value);
        Assert.Equal("to the worker", worker.ExpectMsg<StringValue>(timeout: _cluster.DefaultTimeout).Value);
    }

    [Fact]
    public async Task GarbledBulk_IsDroppedWithPeerLoggedAndALaterMessageArrives()
    {
        var receiver = Probe(Node0, "receiver");
        var recipient = receiver.Ref.Path.ToStringWithUid();
        await using var rogue = new RemoteTransport(new RemoteSettings
        {
            SystemName = "multinode", Hostname = "127.0.0.1", Secret = RemotingTestSettings.Secret,
        });
        var rogueAddress = rogue.Start(new RecordingHandler());
        var endpoint = rogue.GetOrConnect(Node0.Remoting.LocalAddress.Address);
        var good = new byte[12];
        BinaryPrimitives.WriteInt64LittleEndian(good, 5);
        BinaryPrimitives.WriteInt32LittleEndian(good.AsSpan(8), 2);
        BulkHeader Header(string manifest, byte[] metadata, string to) =>
            new() { Manifest = manifest, Recipient = to, Metadata = ByteString.CopyFrom(metadata) };

        // Each transfer completes at the transport (the receiver got it intact); the actor layer drops the first three.
        await endpoint.SendBulkAsync(Header(BulkTestMessages.FloatTensorManifest, [1, 2, 3], recipient), new byte[8]);
        await endpoint.SendBulkAsync(Header("no.such.Bulk", good, recipient), new byte[8]);
        await endpoint.SendBulkAsync(Header(BulkTestMessages.FloatTensorManifest, good, "not a path"), new byte[8]);
        await endpoint.SendBulkAsync(Header(BulkTestMessages.FloatTensorManifest, good, recipient), new byte[8]);

        var got = receiver.ExpectMsg<FloatTensor>(timeout: _cluster.DefaultTimeout);
        Assert.Equal(5, got.Step);
        Assert.Equal(2, got.Values.Length);
        var dropped = Node0.Logs.Events.Where(e => e.Message.Contains("dropped a bulk message from", StringComparison.Ordinal)).ToArray();
        Assert.Equal(3, dropped.Length);
        Assert.All(dropped, e => Assert.Contains(rogueAddress.Address.ToString(), e.Message, StringComparison.Ordinal));
        Assert.Contains(dropped, e => e.Message.Contains("garbled bulk message", StringComparison.Ordinal) && e.Message.Contains("metadata must be 12 bytes", StringComparison.Ordinal));
        Assert.Contains(dropped, e => e.Message.Contains("unknown bulk manifest 'no.such.Bulk'", StringComparison.Ordinal));
        Assert.Contains(dropped, e => e.Message.Contains("'not a path'", StringComparison.Ordinal));
        Assert.True(endpoint.IsAssociated);
    }

    [Fact]
    public void Tell_PayloadOverMaximumBulkTransferSize_ThrowsNamingTheSetting()
    {
        using var small = MultiNodeCluster.Start(1, RemotingTestSettings.Secret,
            new MultiNodeOptions { ConfigureRemote = r => r with { MaxBulkTransferSize = 64 * 1024 } });
        var node = small.Node(0);
        BulkTestMessages.Register(node.Remoting.Serializers);
        var target = node.System.ResolveRemote("act://multinode@127.0.0.1:9/user/anyone");

        var e = Assert.Throws<OversizeBulkMessageException>(() => target.Tell(new FloatTensor(1, new float[16 * 1024 + 1])));

        Assert.Contains("maximum-bulk-transfer-size", e.Message, StringComparison.Ordinal);
        Assert.Contains(typeof(FloatTensor).FullName!, e.Message, StringComparison.Ordinal);
        Assert.Contains("65540 bytes", e.Message, StringComparison.Ordinal);
        Assert.Equal(65540, e.Size);
        // Exactly at the limit is fine (nothing listens on port 9, so it later becomes a dead letter, not an exception).
        target.Tell(new FloatTensor(1, new float[16 * 1024]));
    }

    [Fact]
    public void Control_WhileA64MiBBulkIsInFlight_StillFlowsBothWays()
    {
        var bulkSender = Probe(Node0, "bulk-sender");
        var bulkReceiver = Probe(Node1, "bulk-receiver");
        Node1.System.ActorOf(Props.Create(() => new PongActor(null)), "pong");
        var probe0 = Probe(Node0, "probe0");
        var probe1 = Probe(Node1, "probe1");
        var big = new byte[64 * 1024 * 1024];
        new Random(64).NextBytes(big);

        bulkSender.Send(Remote(Node0, bulkReceiver), new Blob(64, big));
        // No ordering between the channels is promised: only that control traffic is not stuck behind the transfer.
        for (var i = 0; i < 20; i++)
        {
            probe0.Send(Node0.System.ResolveRemote(Node1.PathOf("user/pong")), new StringValue { Value = $"a{i}" });
            probe1.Send(Remote(Node1, probe0), new StringValue { Value = $"b{i}" });
        }

        var replies = probe0.ReceiveN(40, _cluster.Dilated(TimeSpan.FromSeconds(30))).Cast<StringValue>().Select(s => s.Value).ToHashSet();
        Assert.Equal(Enumerable.Range(0, 20).SelectMany(i => new[] { $"pong:a{i}", $"b{i}" }).ToHashSet(), replies);
        var blob = bulkReceiver.ExpectMsg<Blob>(timeout: _cluster.Dilated(TimeSpan.FromSeconds(30)));
        Assert.True(blob.Data.AsSpan().SequenceEqual(big), "64 MiB payload differs");
    }

    [Fact]
    public void Tell_ToAKilledNode_EveryMessageBecomesOneDeadLetterAndTheOutboxIsDroppedOnce()
    {
        const int count = 5;
        var receiver = Probe(Node1, "receiver");
        var path = receiver.Ref.Path.ToStringWithUid();
        _cluster.AwaitAssociated();
        _cluster.Kill(1);
        _cluster.AwaitDisassociated(0, 1);
        var before = Node0.System.DeadLetterCount;
        var target = Node0.System.ResolveRemote(path);

        for (var i = 0; i < count; i++) target.Tell(new Blob(i, new byte[100 * 1024]));
        // Whatever the loop has not yet failed on its own is dropped when node 1 is declared gone.
        _cluster.FailureClock.Advance(RemotingSettings.Default.UnreachableAfter + 2 * RemotingSettings.Default.CheckInterval);

        _cluster.AwaitCondition(() => Node0.System.DeadLetterCount == before + count, $"{count} dead letters on node 0");
        var lines = Node0.Logs.Events.Where(e => e.Message.Contains(Node1.Remoting.LocalAddress.Address.ToString(), StringComparison.Ordinal)
                                                && (e.Message.Contains("was not delivered", StringComparison.Ordinal)
                                                    || e.Message.Contains("dropped the bulk outbox", StringComparison.Ordinal))).ToArray();
        Assert.NotEmpty(lines);
        Assert.True(lines.Count(e => e.Message.Contains("dropped the bulk outbox", StringComparison.Ordinal)) <= 1);
        // The node stays up and sends on: a later message to a live actor still arrives.
        var local = Probe(Node0, "still-alive");
        _cluster.AddNode(RemotingTestSettings.Secret);
        var node2 = _cluster.Node(2);
        BulkTestMessages.Register(node2.Remoting.Serializers);
        var far = Probe(node2, "far");
        local.Send(Remote(Node0, far), new Blob(99, [1, 2, 3]));
        Assert.Equal(99, far.ExpectMsg<Blob>(timeout: _cluster.DefaultTimeout).Sequence);
    }
}
