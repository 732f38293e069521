using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.Remote;
using ActorCodistill.Cluster.Remoting;
using ActorCodistill.Cluster.Tests.Remote;
using ActorCodistill.TestKit;
using ActorCodistill.TestKit.MultiNode;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using RemoteEnvelope = ActorCodistill.Cluster.Remote.Protocol.Envelope;

namespace ActorCodistill.Cluster.Tests.Remoting;

/// <summary>Two (or three) nodes with remoting on loopback in this process.</summary>
[Trait("Category", "MultiNode")]
public sealed class RemotingTests : IDisposable
{
    private readonly MultiNodeCluster _cluster = MultiNodeCluster.Start(2, RemotingTestSettings.Secret);

    private ClusterNode Node0 => _cluster.Node(0);
    private ClusterNode Node1 => _cluster.Node(1);

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public async Task Ask_RemoteActor_RepliesOverTheWire()
    {
        IActorRef? seenSender = null;
        Node1.System.ActorOf(Props.Create(() => new PongActor(s => seenSender = s)), "pong");
        var pong = Node0.System.ResolveRemote(Node1.PathOf("user/pong"));
        Assert.IsType<RemoteActorRef>(pong);

        var reply = await pong.Ask<StringValue>(new StringValue { Value = "ping" }, _cluster.DefaultTimeout);

        Assert.Equal("pong:ping", reply.Value);
        // The asker was a temporary actor of node 0, seen on node 1 as a remote ref.
        Assert.IsType<RemoteActorRef>(seenSender);
        Assert.Equal(Node0.Address, seenSender!.Path.Address);
    }

    [Fact]
    public void Tell_ReplyToRemoteSender_GoesBackToTheProbe()
    {
        Node1.System.ActorOf(Props.Create(() => new PongActor(null)), "pong");
        var probe = new TestProbe(Node0.System, "asker", _cluster.DilationFactor);
        probe.Send(Node0.System.ResolveRemote(Node1.PathOf("user/pong")), new StringValue { Value = "one" });
        Assert.Equal("pong:one", probe.ExpectMsg<StringValue>(timeout: _cluster.DefaultTimeout).Value);
        Assert.Equal(Node1.Address, probe.LastSender.Path.Address);
    }

    [Fact]
    public void Tell_ManyFromOneSender_ArriveInOrder()
    {
        const int count = 500;
        var receiver = new TestProbe(Node1.System, "receiver", _cluster.DilationFactor);
        var sender = new TestProbe(Node0.System, "sender", _cluster.DilationFactor);
        var target = Node0.System.ResolveRemote(receiver.Ref.Path.ToStringWithUid());

        for (var i = 1; i <= count; i++) sender.Send(target, new Int64Value { Value = i });

        var received = receiver.ReceiveN(count, _cluster.DefaultTimeout).Select(m => ((Int64Value)m).Value).ToArray();
        Assert.Equal(Enumerable.Range(1, count).Select(i => (long)i), received);
        Assert.Equal(sender.Ref.Path.ToStringWithUid(), receiver.LastSender.Path.ToStringWithUid());
    }

    [Fact]
    public void Tell_UnserializableMessage_ThrowsNamingTheType()
    {
        var target = Node0.System.ResolveRemote(Node1.PathOf("user/anyone"));
        var e = Assert.Throws<NotSerializableMessageException>(() => target.Tell(new LocalOnly(3)));
        Assert.Contains(typeof(LocalOnly).FullName!, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tell_UnknownRecipient_IsDeadLetterOnReceivingNodeLoggedWithPeer()
    {
        var before = Node1.System.DeadLetterCount;
        Node0.System.ResolveRemote(Node1.PathOf("user/nobody-here")).Tell(new StringValue { Value = "lost" });

        _cluster.AwaitCondition(() => Node1.System.DeadLetterCount == before + 1, "the dead letter on node 1");
        var line = Assert.Single(Node1.Logs.Events, e => e.Message.Contains("unknown recipient", StringComparison.Ordinal));
        Assert.Contains(Node0.Remoting.LocalAddress.Address.ToString(), line.Message, StringComparison.Ordinal);
        Assert.Contains("/user/nobody-here", line.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Identify_ExistingAndMissingActors_AnsweredByTheRemoteNode()
    {
        var pong = Node1.System.ActorOf(Props.Create(() => new PongActor(null)), "pong");

        var found = await Node0.Remoting.IdentifyAsync(Node1.PathOf("user/pong"), _cluster.DefaultTimeout);
        var missing = await Node0.Remoting.IdentifyAsync(Node1.PathOf("user/missing"), _cluster.DefaultTimeout);

        Assert.Equal(pong.Path.ToStringWithUid(), found!.Path.ToStringWithUid());
        Assert.Null(missing);
    }

    [Fact]
    public void Stranger_WithWrongSecret_CannotDeliver()
    {
        var target = new TestProbe(Node0.System, "target", _cluster.DilationFactor);
        var stranger = _cluster.Node(_cluster.AddNode(RemotingTestSettings.WrongSecret));

        stranger.System.ResolveRemote(target.Ref.Path.ToStringWithUid()).Tell(new StringValue { Value = "from stranger" });

        _cluster.AwaitCondition(() => Node0.Logs.Events.Any(e => e.Message.Contains("refused connection from", StringComparison.Ordinal)),
            "node 0 logging the refused stranger");
        // A legitimate message sent after the refusal arrives, and nothing of the stranger's ever does.
        Node1.System.ResolveRemote(target.Ref.Path.ToStringWithUid()).Tell(new StringValue { Value = "legit" });
        Assert.Equal("legit", target.ExpectMsg<StringValue>(timeout: _cluster.DefaultTimeout).Value);
        target.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public async Task GarbledEnvelopes_AreDroppedAndTheNodeKeepsServing()
    {
        var target = new TestProbe(Node0.System, "target", _cluster.DilationFactor);
        var recipient = target.Ref.Path.ToStringWithUid();
        await using var rogue = new RemoteTransport(new RemoteSettings
        {
            SystemName = "multinode", Hostname = "127.0.0.1", Secret = RemotingTestSettings.Secret,
        });
        rogue.Start(new RecordingHandler());
        var endpoint = rogue.GetOrConnect(Node0.Remoting.LocalAddress.Address);

        endpoint.SendControl(new RemoteEnvelope { Recipient = recipient, Manifest = "google.protobuf.StringValue", Payload = ByteString.CopyFrom(0x0A, 0xFF, 0xFF, 0x03) });
        endpoint.SendControl(new RemoteEnvelope { Recipient = recipient, Manifest = "no.such.Type", Payload = ByteString.CopyFromUtf8("x") });
        endpoint.SendControl(new RemoteEnvelope { Recipient = "not a path", Manifest = "google.protobuf.StringValue", Payload = new StringValue { Value = "?" }.ToByteString() });
        endpoint.SendControl(new RemoteEnvelope { Recipient = recipient, Manifest = "google.protobuf.StringValue", Payload = new StringValue { Value = "still serving" }.ToByteString() });

        Assert.Equal("still serving", target.ExpectMsg<StringValue>(timeout: _cluster.DefaultTimeout).Value);
        var dropped = Node0.Logs.Events.Where(e => e.Message.Contains("dropped a message from", StringComparison.Ordinal)).ToArray();
        Assert.Equal(3, dropped.Length);
        Assert.Contains(dropped, e => e.Message.Contains("garbled payload", StringComparison.Ordinal));
        Assert.Contains(dropped, e => e.Message.Contains("unknown manifest 'no.such.Type'", StringComparison.Ordinal));
        // The same peer's connection is still up and the node still answers its own peers.
        Assert.True(endpoint.IsAssociated);
        Node1.System.ActorOf(Props.Create(() => new PongActor(null)), "pong");
        Assert.Equal("pong:after", (await Node0.System.ResolveRemote(Node1.PathOf("user/pong")).Ask<StringValue>(new StringValue { Value = "after" }, _cluster.DefaultTimeout)).Value);
    }

    [Fact]
    public void Watch_RemoteActorStops_Terminated()
    {
        var victim = Node1.System.ActorOf(Props.Create(() => new PongActor(null)), "victim");
        var watcher = new TestProbe(Node0.System, "watcher", _cluster.DilationFactor);
        var remoteVictim = Node0.System.ResolveRemote(Node1.PathOf("user/victim"));

        watcher.Watch(remoteVictim);
        _cluster.AwaitCondition(() => Node1.Remoting.Watcher.WatchCount == 1, "node 1 registering the remote watch");
        Node1.System.Stop(victim);

        var terminated = watcher.ExpectTerminated(remoteVictim, _cluster.DefaultTimeout);
        Assert.True(terminated.ExistenceConfirmed);
        Assert.False(terminated.AddressTerminated);
        _cluster.AwaitCondition(() => Node0.Remoting.Watcher.WatchCount == 0 && Node1.Remoting.Watcher.WatchCount == 0, "both watch tables emptied");
    }

    [Fact]
    public void Watch_MissingRemoteActor_TerminatedWithoutExistence()
    {
        var watcher = new TestProbe(Node0.System, "watcher", _cluster.DilationFactor);
        var ghost = Node0.System.ResolveRemote(Node1.PathOf("user/ghost"));

        watcher.Watch(ghost);

        var terminated = watcher.ExpectTerminated(ghost, _cluster.DefaultTimeout);
        Assert.False(terminated.ExistenceConfirmed);
        Assert.False(terminated.AddressTerminated);
    }

    [Fact]
    public void Unwatch_ThenRemoteActorStops_NoTerminated()
    {
        var victim = Node1.System.ActorOf(Props.Create(() => new PongActor(null)), "victim");
        var watcher = new TestProbe(Node0.System, "watcher", _cluster.DilationFactor);
        var remoteVictim = Node0.System.ResolveRemote(Node1.PathOf("user/victim"));
        watcher.Watch(remoteVictim);
        _cluster.AwaitCondition(() => Node1.Remoting.Watcher.WatchCount == 1, "node 1 registering the remote watch");

        watcher.Unwatch(remoteVictim);
        _cluster.AwaitCondition(() => Node1.Remoting.Watcher.WatchCount == 0, "node 1 dropping the remote watch");
        var local = new TestProbe(Node1.System, "local", _cluster.DilationFactor);
        local.Watch(victim);
        Node1.System.Stop(victim);
        local.ExpectTerminated(victim, _cluster.DefaultTimeout);

        // Anything node 1 sent about the stop went out before this marker on the same ordered channel.
        local.Send(Node1.System.ResolveRemote(watcher.Ref.Path.ToStringWithUid()), new StringValue { Value = "marker" });
        Assert.Equal("marker", watcher.ExpectMsg<StringValue>(timeout: _cluster.DefaultTimeout).Value);
        watcher.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Watch_RemoteNodeKilled_TerminatedWithAddressTerminatedOnlyAfterUnreachablePeriod()
    {
        Node1.System.ActorOf(Props.Create(() => new PongActor(null)), "victim");
        var watcher = new TestProbe(Node0.System, "watcher", _cluster.DilationFactor);
        var remoteVictim = Node0.System.ResolveRemote(Node1.PathOf("user/victim"));
        watcher.Watch(remoteVictim);
        _cluster.AwaitCondition(() => Node1.Remoting.Watcher.WatchCount == 1, "node 1 registering the remote watch");

        _cluster.Kill(1);
        _cluster.AwaitDisassociated(0, 1);
        var unreachableAfter = RemotingSettings.Default.UnreachableAfter;
        var interval = RemotingSettings.Default.CheckInterval;
        // The failure checks run on this thread inside Advance: nothing is declared before the unreachable period.
        _cluster.FailureClock.Advance(unreachableAfter - 2 * interval);
        watcher.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        _cluster.FailureClock.Advance(3 * interval);

        var terminated = watcher.ExpectTerminated(remoteVictim, _cluster.DefaultTimeout);
        Assert.True(terminated.AddressTerminated);
        Assert.Contains(Node0.Logs.Events, e => e.Message.Contains("declared gone", StringComparison.Ordinal));
    }

    [Fact]
    public void Barrier_AllNodes_PassesAndAgainAfterAKill()
    {
        _cluster.AddNode(RemotingTestSettings.Secret);
        _cluster.Barrier("three-up");
        _cluster.Kill(2);
        _cluster.Barrier("two-left");
        Assert.Equal(2, _cluster.RunningNodes.Count);
    }

    [Fact]
    public void Shutdown_Gracefully_StopsTheNode()
    {
        _cluster.AwaitAssociated();
        _cluster.Shutdown(1);
        Assert.True(Node1.System.WhenTerminated.IsCompleted);
        Assert.False(Node1.IsRunning);
        _cluster.AwaitDisassociated(0, 1);
    }

    private sealed record LocalOnly(int Value);
}
