using ActorCodistill.Cluster.Bootstrap;
using Akka.Actor;
using Akka.Configuration;

namespace ActorCodistill.Bench.ControlPlane;

/// <summary>Akka.NET 1.5 with the product's node configuration (AkkaNode: Akka.Remote over DotNetty, Hyperion locked down).</summary>
internal static class AkkaRuntime
{
    /// <param name="batching">DotNetty's write batching (Akka's default: on).</param>
    public static ActorSystem Start(string role, bool batching) => ActorSystem.Create("bench",
        ConfigurationFactory.ParseString($"akka.loglevel = WARNING\nakka.remote.dot-netty.tcp.batching.enabled = {(batching ? "on" : "off")}")
            .WithFallback(AkkaNode.Configuration(new AkkaNodeOptions("bench", Roles: [role]))));

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
