using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.Remote;
using ActorCodistill.Cluster.Remoting;

namespace ActorCodistill.Bench.ControlPlane;

/// <summary>The product's own runtime (RemoteActorSystem, JSON control messages): what issue 17 retires.</summary>
internal static class OwnRuntime
{
    public static RemoteActorSystem Start(string secret)
    {
        var node = RemoteActorSystem.Start(new RemoteSettings { Secret = secret, Hostname = "127.0.0.1", Port = 0 },
            new ActorSystemSettings { LogLevel = LogLevel.Warning });
        node.Serializers.AddJson<Ping>("bench.ping").AddJson<Pong>("bench.pong").AddJson<Flush>("bench.flush").AddJson<Counted>("bench.counted");
        return node;
    }

    public sealed class Echo : ReceiveActor
    {
        private long _received;

        public Echo()
        {
            Receive<Ping>(p =>
            {
                if (p.Seq < 0) _received++;
                else Sender.Tell(new Pong(p.Seq));
            });
            Receive<Flush>(_ =>
            {
                Sender.Tell(new Counted(_received));
                _received = 0;
            });
        }
    }

    /// <summary>Sends the next Ping when the Pong of the last one is back: one message in flight, so a round trip each.</summary>
    public sealed class Pinger : ReceiveActor
    {
        public Pinger(IActorRef echo, long count, TaskCompletionSource done)
        {
            Receive<Pong>(p =>
            {
                if (p.Seq + 1 == count) done.TrySetResult();
                else echo.Tell(new Ping(p.Seq + 1));
            });
            echo.Tell(new Ping(0));
        }
    }

    /// <summary>Sends <paramref name="count"/> one-way Pings, then a Flush, and reports how many arrived.</summary>
    public sealed class Burst : ReceiveActor
    {
        public Burst(IActorRef echo, long count, TaskCompletionSource<long> done)
        {
            Receive<Counted>(c => done.TrySetResult(c.Received));
            for (var i = 0; i < count; i++) echo.Tell(new Ping(-1));
            echo.Tell(new Flush(count));
        }
    }
}
