using System.Buffers.Binary;
using System.Runtime.InteropServices;
using ActorCodistill.Cluster.Bootstrap;
using ActorCodistill.Cluster.DataPlane;
using ActorCodistill.Cluster.Remote;
using ActorCodistill.Cluster.Security;
using ActorCodistill.Cluster.Serialization;
using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Akka.TestKit;
using Xunit.Abstractions;
using Plane = ActorCodistill.Cluster.DataPlane.DataPlane;

namespace ActorCodistill.Cluster.Tests.MultiNode;

/// <summary>A tensor message as the product's are: a step number and raw floats.</summary>
public sealed record TestTensor(long Step, float[] Data);

/// <summary>A small reply that travels on Akka.Remote.</summary>
public sealed record TensorAck(long Step) : IProductMessage;

/// <summary>Forwards what it gets to <paramref name="to"/> (on another node: over Akka.Remote).</summary>
public sealed class Forwarder : ReceiveActor
{
    public Forwarder(IActorRef to) => ReceiveAny(m => to.Forward(m));
}

/// <summary>
/// The tensor data plane of Akka nodes (issue 17): messages with a bulk codec go from an actor on one ActorSystem to an
/// actor on another over the product's bulk transport, addressed by Akka refs, arriving in order with the sender's ref
/// (so a reply over Akka.Remote reaches it); a stale incarnation, an unknown manifest and a peer without the secret
/// deliver nothing, and the node goes on.
/// </summary>
[Trait("Category", "MultiNode")]
public sealed class DataPlaneTests : Akka.TestKit.Xunit2.TestKit, IAsyncLifetime
{
    private const string Secret = "data-plane-test-secret-0123456789";
    private readonly List<ActorSystem> _others = [];

    public DataPlaneTests(ITestOutputHelper output)
        : base(Node("seed"), "codistill", output)
    {
        Plane.Start(Sys, PlaneSettings(Secret), Codecs());
    }

    private static Config Node(string role) =>
        // The TestKit's listener beside the product's logger, for EventFilter.
        ConfigurationFactory.ParseString("akka.loglevel = INFO\nakka.loggers = [\"Akka.TestKit.TestEventListener, Akka.TestKit\"]").WithFallback(AkkaNode.Configuration(new AkkaNodeOptions("codistill", Roles: [role])));

    private static RemoteSettings PlaneSettings(string secret) => new()
    {
        Secret = secret,
        Hostname = "127.0.0.1",
        Port = 0,
        MaxFrameSize = 256 * 1024,
        BulkChunkSize = 128 * 1024,
        BulkWindow = 8,
    };

    private static BulkCodec TensorCodec(string manifest = "test.tensor") => new(typeof(TestTensor), manifest,
        m =>
        {
            var t = (TestTensor)m;
            var metadata = new byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(metadata, t.Step);
            return new BulkMessageParts(metadata, MemoryMarshal.AsBytes(t.Data.AsSpan()).ToArray());
        },
        (metadata, payload) => new TestTensor(BinaryPrimitives.ReadInt64LittleEndian(metadata.Span), MemoryMarshal.Cast<byte, float>(payload.Span).ToArray()));

    private static BulkCodecs Codecs(string manifest = "test.tensor") => new BulkCodecs().Add(TensorCodec(manifest));

    private ActorSystem OtherNode(string secret = Secret, string manifest = "test.tensor")
    {
        var other = ActorSystem.Create("codistill", Node("worker"));
        _others.Add(other);
        Plane.Start(other, PlaneSettings(secret), Codecs(manifest));
        return other;
    }

    /// <summary><paramref name="actor"/> of this test's system as a ref on <paramref name="node"/> (a remote ref).</summary>
    private IActorRef RefOn(ActorSystem node, IActorRef actor) =>
        ((ExtendedActorSystem)node).Provider.ResolveActorRef(actor.Path.ToSerializationFormatWithAddress(AkkaNode.AddressOf(Sys)));

    private static float[] Floats(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)random.NextDouble()).ToArray();
    }

    [Fact]
    public void TensorsReachAnActorOnAnotherNode_InOrder_WithTheSendersRef()
    {
        var worker = OtherNode();
        var receiver = CreateTestProbe();
        var acks = CreateTestProbe();
        // The sender lives on the other node; what it is sent there goes on to this node's ack probe over Akka.Remote.
        var sender = worker.ActorOf(Props.Create(() => new Forwarder(RefOnWorker(worker, acks.Ref))), "sender");
        var sent = new[] { Floats(4 * 1024 * 1024, 1), Floats(3, 2), [], Floats(100_000, 3) };
        var plane = Plane.Get(worker);
        var target = RefOn(worker, receiver.Ref);
        for (var i = 0; i < sent.Length; i++) plane.Tell(target, new TestTensor(i, sent[i]), sender);

        for (var i = 0; i < sent.Length; i++)
        {
            var got = receiver.ExpectMsg<TestTensor>(TimeSpan.FromSeconds(30));
            Assert.Equal(i, got.Step);
            Assert.Equal(sent[i], got.Data);
            Assert.Equal(AkkaNode.AddressOf(worker), receiver.LastSender.Path.Address);
            Assert.Equal("sender", receiver.LastSender.Path.Name);
            // The sender's ref is a working remote ref: the reply crosses back over Akka.Remote.
            receiver.Reply(new TensorAck(i));
            Assert.Equal(i, acks.ExpectMsg<TensorAck>(TimeSpan.FromSeconds(10)).Step);
        }
    }

    // The ack probe as seen from the worker node.
    private IActorRef RefOnWorker(ActorSystem worker, IActorRef probe) => RefOn(worker, probe);

    [Fact]
    public void ALocalTarget_GetsTheMessageItself_WithoutACopy()
    {
        var receiver = CreateTestProbe();
        var message = new TestTensor(1, Floats(10, 1));
        Plane.Get(Sys).Tell(receiver.Ref, message);
        Assert.Same(message, receiver.ExpectMsg<TestTensor>());
    }

    [Fact]
    public void AMessageWithoutACodec_IsRefusedAtTell_NamingItsType()
    {
        var worker = OtherNode();
        var e = Assert.Throws<ArgumentException>(() => Plane.Get(worker).Tell(RefOn(worker, TestActor), new TensorAck(1)));
        Assert.Contains(typeof(TensorAck).FullName!, e.Message);
    }

    [Fact]
    public void AStoppedIncarnation_GetsNothing_AndTheTransferBecomesADeadLetter()
    {
        var worker = OtherNode();
        var first = CreateTestProbe();
        var old = Sys.ActorOf(Props.Create(() => new Forwarder(first.Ref)), "slot");
        var oldOnWorker = RefOn(worker, old);
        Watch(old);
        Sys.Stop(old);
        ExpectTerminated(old);
        var second = CreateTestProbe();
        Sys.ActorOf(Props.Create(() => new Forwarder(second.Ref)), "slot");
        var dead = CreateTestProbe();
        Sys.EventStream.Subscribe(dead.Ref, typeof(DeadLetter));

        Plane.Get(worker).Tell(oldOnWorker, new TestTensor(5, Floats(1000, 5)));

        var letter = dead.FishForMessage<DeadLetter>(d => d.Message is TestTensor, TimeSpan.FromSeconds(20));
        Assert.Equal(5, ((TestTensor)letter.Message).Step);
        first.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        second.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void AnUnknownManifest_IsDroppedWithAWarning_AndTheNextTransferStillArrives()
    {
        var stranger = OtherNode(manifest: "test.tensor-v2");
        var worker = OtherNode();
        var receiver = CreateTestProbe();
        EventFilter.Warning(contains: "unknown manifest 'test.tensor-v2'").ExpectOne(TimeSpan.FromSeconds(20),
            () => Plane.Get(stranger).Tell(RefOn(stranger, receiver.Ref), new TestTensor(1, Floats(10, 1))));
        receiver.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        Plane.Get(worker).Tell(RefOn(worker, receiver.Ref), new TestTensor(2, Floats(10, 2)));
        Assert.Equal(2, receiver.ExpectMsg<TestTensor>(TimeSpan.FromSeconds(20)).Step);
    }

    [Fact]
    public void APeerWithoutTheSecret_DeliversNothing_LearnsItFromADeadLetter_AndPeersStillDeliver()
    {
        var stranger = OtherNode(secret: "not-the-cluster-secret-0123456789");
        var receiver = CreateTestProbe();
        var strangerDead = CreateTestProbe(stranger);
        stranger.EventStream.Subscribe(strangerDead.Ref, typeof(DeadLetter));
        EventFilter.Warning(contains: "refused connection from").ExpectOne(TimeSpan.FromSeconds(20),
            () => Plane.Get(stranger).Tell(RefOn(stranger, receiver.Ref), new TestTensor(1, Floats(10, 1))));
        strangerDead.FishForMessage<DeadLetter>(d => d.Message is TestTensor, TimeSpan.FromSeconds(20));
        receiver.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        var worker = OtherNode();
        Plane.Get(worker).Tell(RefOn(worker, receiver.Ref), new TestTensor(2, Floats(10, 2)));
        Assert.Equal(2, receiver.ExpectMsg<TestTensor>(TimeSpan.FromSeconds(20)).Step);
    }

    [Fact]
    public void ANodeWithoutADataPlane_MakesADeadLetterWithAReason()
    {
        var bare = ActorSystem.Create("codistill", Node("worker"));
        _others.Add(bare);
        var worker = OtherNode();
        var dead = CreateTestProbe(worker);
        worker.EventStream.Subscribe(dead.Ref, typeof(DeadLetter));
        var probeOnBare = bare.ActorOf(Props.Create(() => new Forwarder(TestActor)), "sink");
        var target = ((ExtendedActorSystem)worker).Provider.ResolveActorRef(probeOnBare.Path.ToSerializationFormatWithAddress(AkkaNode.AddressOf(bare)));
        Plane.Get(worker).Tell(target, new TestTensor(1, Floats(10, 1)));
        dead.FishForMessage<DeadLetter>(d => d.Message is TestTensor, TimeSpan.FromSeconds(30));
    }

    /// <summary>
    /// The outbox limit (<c>remote.bulk-outbox-limit</c>): a peer that takes nothing cannot make the sender queue without
    /// bound. The peer's port accepts connections and never answers, so the first transfer waits there and what comes
    /// after it past the limit becomes a dead letter at once, with one warning naming the peer and the setting.
    /// </summary>
    [Fact]
    public void Tell_ToAPeerThatTakesNothing_PastTheOutboxLimitBecomesDeadLettersAtOnce_WithOneWarning()
    {
        const int limit = 1024 * 1024;
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        var port = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
        var limited = ActorSystem.Create("codistill", Node("worker"));
        _others.Add(limited);
        Plane.Start(limited, PlaneSettings(Secret) with { MaxBulkOutboxBytes = limit }, Codecs());
        var dead = CreateTestProbe(limited);
        limited.EventStream.Subscribe(dead.Ref, typeof(DeadLetter));
        var target = ((ExtendedActorSystem)limited).Provider.ResolveActorRef($"akka.tcp://codistill@127.0.0.1:{port}/user/nobody");
        var plane = Plane.Get(limited);

        var full = new System.Text.RegularExpressions.Regex($@"^bulk outbox to akka\.tcp://codistill@127\.0\.0\.1:{port} is full .*remote\.bulk-outbox-limit is {limit}\)");
        CreateEventFilter(limited).Warning(full).ExpectOne(TimeSpan.FromSeconds(5), () =>
        {
            // An empty outbox takes a message of any allowed size, even one past the limit ...
            plane.Tell(target, new TestTensor(0, new float[limit / 2]));
            // ... and then nothing more while that one waits for the peer.
            for (var i = 1; i <= 10; i++) plane.Tell(target, new TestTensor(i, new float[16 * 1024]));
        });

        for (var i = 1; i <= 10; i++)
            Assert.Equal(i, ((TestTensor)dead.FishForMessage<DeadLetter>(d => d.Message is TestTensor, TimeSpan.FromSeconds(5)).Message).Step);
        Assert.Equal($"akka.tcp://codistill@127.0.0.1:{port}", plane.Peers.Single().ToString());
    }

    [Fact]
    public void ACodecThatReceivesIntoItsOwnMemory_KeepsIt_AndOneThatRefusesTheMetadata_DropsOnlyThatTransfer()
    {
        // The receiving node's codec allocates the message's array and the transfer is read straight into it.
        var allocated = new List<byte[]>();
        var receiving = ActorSystem.Create("codistill", Node("worker"));
        _others.Add(receiving);
        Plane.Start(receiving, PlaneSettings(Secret), new BulkCodecs().Add(new BulkCodec(typeof(TestTensor), "test.tensor", TensorCodec().ToBulk,
            (metadata, payload) =>
            {
                Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray<byte>(payload, out var segment));
                lock (allocated) Assert.Contains(segment.Array, allocated);
                return TensorCodec().FromBulk(metadata, payload);
            })
        {
            ReceiveInto = (metadata, length) =>
            {
                if (BinaryPrimitives.ReadInt64LittleEndian(metadata.Span) < 0) throw new FormatException("negative step");
                var array = new byte[length];
                lock (allocated) allocated.Add(array);
                return array;
            },
        }));
        var receiver = CreateTestProbe(receiving);
        var onSeed = ((ExtendedActorSystem)Sys).Provider.ResolveActorRef(receiver.Ref.Path.ToSerializationFormatWithAddress(AkkaNode.AddressOf(receiving)));
        var data = Floats(300_000, 7);
        Plane.Get(Sys).Tell(onSeed, new TestTensor(-1, Floats(10, 1)));
        Plane.Get(Sys).Tell(onSeed, new TestTensor(3, data));

        var got = receiver.ExpectMsg<TestTensor>(TimeSpan.FromSeconds(20));
        Assert.Equal(3, got.Step);
        Assert.Equal(data, got.Data);
        lock (allocated) Assert.Single(allocated);
        receiver.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void ALocalDataPlane_OpensNoPort_DeliversToItsOwnActors_AndRefusesOthersNamingWhy()
    {
        // The embedded run: an ActorSystem without remoting, with the same Tell for the code that uses it.
        var alone = ActorSystem.Create("embedded", "akka.actor.provider = local\nakka.loglevel = WARNING");
        _others.Add(alone);
        var plane = Plane.StartLocal(alone, Codecs());
        Assert.Throws<InvalidOperationException>(() => plane.Address);
        var receiver = CreateTestProbe(alone);
        var message = new TestTensor(1, Floats(10, 1));
        plane.Tell(receiver.Ref, message);
        Assert.Same(message, receiver.ExpectMsg<TestTensor>());

        var elsewhere = RefOn(OtherNode(), TestActor);
        var e = Assert.Throws<InvalidOperationException>(() => plane.Tell(elsewhere, message));
        Assert.Contains("runs its data plane locally", e.Message);
    }

    [Fact]
    public void DataPlanesWithTlsFromTheClusterSecret_Deliver_AndOneWithAnotherClustersCertificateIsRefusedAtTls()
    {
        // Same HMAC secret everywhere: only the TLS identity differs, so the refusal is TLS's.
        ActorSystem Node(string role, ClusterTls tls)
        {
            var system = ActorSystem.Create("codistill", AkkaNode.Configuration(new AkkaNodeOptions("codistill", Roles: [role])));
            _others.Add(system);
            Plane.Start(system, PlaneSettings(Secret) with { Tls = tls.ForDataPlane() }, Codecs());
            return system;
        }
        var receiving = Node("seed", ClusterTls.FromSecret("the-cluster-secret-0123456789", "codistill", "seed"));
        var sending = Node("worker", ClusterTls.FromSecret("the-cluster-secret-0123456789", "codistill", "worker-1"));
        var stranger = Node("worker", ClusterTls.FromSecret("another-clusters-secret-0123456789", "codistill", "stranger"));
        var receiver = CreateTestProbe(receiving);
        IActorRef On(ActorSystem from) =>
            ((ExtendedActorSystem)from).Provider.ResolveActorRef(receiver.Ref.Path.ToSerializationFormatWithAddress(AkkaNode.AddressOf(receiving)));

        Plane.Get(sending).Tell(On(sending), new TestTensor(1, Floats(50_000, 1)));
        Assert.Equal(1, receiver.ExpectMsg<TestTensor>(TimeSpan.FromSeconds(20)).Step);

        var dead = CreateTestProbe(stranger);
        stranger.EventStream.Subscribe(dead.Ref, typeof(DeadLetter));
        Plane.Get(stranger).Tell(On(stranger), new TestTensor(2, Floats(10, 2)));
        dead.FishForMessage<DeadLetter>(d => d.Message is TestTensor, TimeSpan.FromSeconds(20));
        receiver.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
        Plane.Get(sending).Tell(On(sending), new TestTensor(3, Floats(10, 3)));
        Assert.Equal(3, receiver.ExpectMsg<TestTensor>(TimeSpan.FromSeconds(20)).Step);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var other in _others) await other.Terminate().WaitAsync(TimeSpan.FromSeconds(20));
    }
}
