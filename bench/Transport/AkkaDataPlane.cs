using ActorCodistill.Cluster.Bootstrap;
using ActorCodistill.Cluster.DataPlane;
using ActorCodistill.Cluster.Remote;
using Akka.Actor;
using Akka.Configuration;

namespace ActorCodistill.Bench.Transport;

/// <summary>
/// The row of issue 17's data plane: the same 16 MiB messages from an actor on one Akka.NET ActorSystem to an actor on
/// another (two AkkaNodes in this process, loopback), through <see cref="DataPlane"/>: Tell -> outbox -> the bulk
/// transport -> codec copy -> the Akka actor, timed until the receiving actor has counted them all.
/// </summary>
internal sealed class AkkaDataPlane : IAsyncDisposable
{
    private readonly ActorSystem _sender;
    private readonly ActorSystem _receiver;
    private readonly DataPlane _plane;
    private readonly IActorRef _sink;
    private readonly BenchSink _counter = new();

    public AkkaDataPlane(RemoteSettings settings)
    {
        static Config Node(string role) => ConfigurationFactory.ParseString("akka.loglevel = WARNING")
            .WithFallback(AkkaNode.Configuration(new AkkaNodeOptions("bench", Roles: [role])));
        var codecs = new BulkCodecs().Add(new BulkCodec(typeof(BenchTensor), "bench.Tensor",
            static m => new BulkMessageParts([], ((BenchTensor)m).Data),
            // Received straight into the array the message keeps (BulkCodec.ReceiveInto): no copy out of a pooled buffer.
            static (_, payload) => new BenchTensor(payload))
        {
            ReceiveInto = static (_, length) => GC.AllocateUninitializedArray<byte>(length),
        });
        _sender = ActorSystem.Create("bench", Node("worker"));
        _receiver = ActorSystem.Create("bench", Node("worker"));
        _plane = DataPlane.Start(_sender, settings, codecs);
        DataPlane.Start(_receiver, settings, codecs);
        var counter = _counter;
        var sink = _receiver.ActorOf(Props.Create(() => new AkkaSinkActor(counter)), "sink");
        _sink = ((ExtendedActorSystem)_sender).Provider.ResolveActorRef(sink.Path.ToSerializationFormatWithAddress(AkkaNode.AddressOf(_receiver)));
    }

    public async Task<double> RoundAsync(IReadOnlyList<BenchTensor> chunks)
    {
        var done = _counter.Expect(chunks.Count);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        foreach (var chunk in chunks) _plane.Tell(_sink, chunk);
        await done;
        return watch.Elapsed.TotalSeconds;
    }

    public async ValueTask DisposeAsync()
    {
        await _sender.Terminate();
        await _receiver.Terminate();
    }

    private sealed class AkkaSinkActor : ReceiveActor
    {
        public AkkaSinkActor(BenchSink sink) => Receive<BenchTensor>(_ => sink.Arrived());
    }
}
