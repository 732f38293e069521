using ActorCodistill.Cluster.Actors;
using ActorCodistill.TestKit;

namespace ActorCodistill.Cluster.Tests.Actors;

[Trait("Category", "Unit")]
public class TimerTests() : ActorTestKit(new ManualTimeProvider())
{
    private ManualTimeProvider Clock => (ManualTimeProvider)Sys.TimeProvider;

    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(150);

    [Fact]
    public void SingleTimer_FiresOnceWhenDue()
    {
        var probe = CreateTestProbe();
        var actor = ActorOf(Props.Create(() => new TimerActor(probe.Ref)));
        probe.Send(actor, new StartSingle("k", TimeSpan.FromSeconds(5)));
        probe.ExpectMsg("ok");

        Clock.Advance(TimeSpan.FromSeconds(4));
        probe.ExpectNoMsg(Quiet);
        Clock.Advance(TimeSpan.FromSeconds(1));
        probe.ExpectMsg("tick:k");
        Clock.Advance(TimeSpan.FromSeconds(10));
        probe.ExpectNoMsg(Quiet);

        probe.Send(actor, new IsActive("k"));
        probe.ExpectMsg(false);
    }

    [Fact]
    public void PeriodicTimer_AdvanceThreeIntervals_ThreeTicksThenCancelStopsIt()
    {
        var probe = CreateTestProbe();
        var actor = ActorOf(Props.Create(() => new TimerActor(probe.Ref)));
        probe.Send(actor, new StartPeriodic("p", TimeSpan.FromSeconds(1)));
        probe.ExpectMsg("ok");

        Clock.Advance(TimeSpan.FromSeconds(1));
        probe.ExpectMsg("tick:p");
        Clock.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(new object[] { "tick:p", "tick:p", "tick:p" }, probe.ReceiveN(3));
        probe.ExpectNoMsg(Quiet);
        probe.Send(actor, new IsActive("p"));
        probe.ExpectMsg(true);

        probe.Send(actor, new CancelTimer("p"));
        probe.ExpectMsg("ok");
        Clock.Advance(TimeSpan.FromSeconds(5));
        probe.ExpectNoMsg(Quiet);
    }

    [Fact]
    public void Timers_ActorStopped_NoTicksAndNoDeadLetters()
    {
        var probe = CreateTestProbe();
        var actor = ActorOf(Props.Create(() => new TimerActor(probe.Ref)));
        probe.Send(actor, new StartPeriodic("p", TimeSpan.FromSeconds(1)));
        probe.ExpectMsg("ok");
        probe.Watch(actor);
        Sys.Stop(actor);
        probe.ExpectTerminated(actor);
        var deadBefore = Sys.DeadLetterCount;

        Clock.Advance(TimeSpan.FromSeconds(5));

        probe.ExpectNoMsg(Quiet);
        Assert.Equal(deadBefore, Sys.DeadLetterCount);
    }

    [Fact]
    public void Timers_ActorRestarted_OldTimersCancelled()
    {
        var probe = CreateTestProbe();
        var actor = ActorOf(Props.Create(() => new TimerActor(probe.Ref)));
        probe.Send(actor, new StartPeriodic("p", TimeSpan.FromSeconds(1)));
        probe.ExpectMsg("ok");

        probe.Send(actor, "fail");
        probe.Send(actor, new IsActive("p"));
        probe.ExpectMsg(false);
        Clock.Advance(TimeSpan.FromSeconds(5));

        probe.ExpectNoMsg(Quiet);
    }

    [Fact]
    public void SingleTimer_RestartedWithSameKey_OnlyNewOneFires()
    {
        var probe = CreateTestProbe();
        var actor = ActorOf(Props.Create(() => new TimerActor(probe.Ref)));
        probe.Send(actor, new StartSingle("k", TimeSpan.FromSeconds(2)));
        probe.ExpectMsg("ok");
        probe.Send(actor, new StartSingle("k", TimeSpan.FromSeconds(5)));
        probe.ExpectMsg("ok");

        Clock.Advance(TimeSpan.FromSeconds(3));
        probe.ExpectNoMsg(Quiet);
        Clock.Advance(TimeSpan.FromSeconds(2));
        probe.ExpectMsg("tick:k");
    }

    private sealed record StartSingle(string Key, TimeSpan Delay);

    private sealed record StartPeriodic(string Key, TimeSpan Interval);

    private sealed record CancelTimer(string Key);

    private sealed record IsActive(string Key);

    private sealed record Tick(string Key);

    private sealed class TimerActor : ReceiveActor
    {
        public TimerActor(IActorRef probe)
        {
            Receive<StartSingle>(m =>
            {
                Timers.StartSingleTimer(m.Key, new Tick(m.Key), m.Delay);
                Sender.Tell("ok");
            });
            Receive<StartPeriodic>(m =>
            {
                Timers.StartPeriodicTimer(m.Key, new Tick(m.Key), m.Interval);
                Sender.Tell("ok");
            });
            Receive<CancelTimer>(m =>
            {
                Timers.Cancel(m.Key);
                Sender.Tell("ok");
            });
            Receive<IsActive>(m => Sender.Tell(Timers.IsTimerActive(m.Key)));
            Receive<Tick>(t => probe.Tell($"tick:{t.Key}"));
            Receive<string>(_ => throw new InvalidOperationException("boom"), s => s == "fail");
        }
    }
}
