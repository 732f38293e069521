using ActorCodistill.Cluster.Actors;
using ActorCodistill.TestKit;

namespace ActorCodistill.Cluster.Tests.Actors;

[Trait("Category", "Unit")]
public class ReceiveTimeoutTests() : ActorTestKit(new ManualTimeProvider())
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(150);

    [Fact]
    public void ReceiveTimeout_IdleForTimeout_DeliveredAndRepeatsUntilTurnedOff()
    {
        var clock = (ManualTimeProvider)Sys.TimeProvider;
        var probe = CreateTestProbe();
        var actor = ActorOf(Props.Create(() => new IdleActor(probe.Ref)));
        probe.Send(actor, "ping");
        probe.ExpectMsg("pong");

        clock.Advance(TimeSpan.FromSeconds(4));
        probe.ExpectNoMsg(Quiet);
        probe.Send(actor, "ping");
        probe.ExpectMsg("pong");
        clock.Advance(TimeSpan.FromSeconds(4));
        probe.ExpectNoMsg(Quiet);
        clock.Advance(TimeSpan.FromSeconds(1));
        probe.ExpectMsg("idle");
        clock.Advance(TimeSpan.FromSeconds(5));
        probe.ExpectMsg("idle");

        probe.Send(actor, "off");
        probe.ExpectMsg("ok");
        clock.Advance(TimeSpan.FromSeconds(20));
        probe.ExpectNoMsg(Quiet);
    }

    private sealed class IdleActor : ReceiveActor
    {
        public IdleActor(IActorRef probe)
        {
            Context.SetReceiveTimeout(TimeSpan.FromSeconds(5));
            Receive<string>(_ => Sender.Tell("pong"), s => s == "ping");
            Receive<string>(_ =>
            {
                Context.SetReceiveTimeout(null);
                Sender.Tell("ok");
            }, s => s == "off");
            Receive<ReceiveTimeout>(_ => probe.Tell("idle"));
        }
    }
}
