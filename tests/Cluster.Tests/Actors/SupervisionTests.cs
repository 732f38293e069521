using ActorCodistill.Cluster.Actors;
using ActorCodistill.TestKit;

namespace ActorCodistill.Cluster.Tests.Actors;

[Trait("Category", "Unit")]
public class SupervisionTests : ActorTestKit
{
    private (IActorRef Parent, IActorRef Child, TestProbe Probe) Spawn(SupervisorStrategy strategy)
    {
        var probe = CreateTestProbe();
        var parent = ActorOf(Props.Create(() => new ParentActor(strategy, probe.Ref, "parent")), "parent");
        probe.Send(parent, new CreateChild(Props.Create(() => new CounterActor(probe.Ref, "child")), "child"));
        var child = probe.ExpectChildStarted("child");
        return (parent, child, probe);
    }

    [Fact]
    public void Restart_ChildFails_StateResetAndHooksRunInOrder()
    {
        var (_, child, probe) = Spawn(new OneForOneStrategy(_ => Directive.Restart));
        probe.Send(child, "inc");
        probe.Send(child, "inc");
        probe.Send(child, "get");
        probe.ExpectMsg(2);

        probe.Send(child, "fail");
        probe.Send(child, "get");

        probe.ExpectMsg("child:prerestart:boom:fail");
        probe.ExpectMsg("child:stopped");
        probe.ExpectMsg("child:postrestart");
        probe.ExpectMsg("child:started");
        probe.ExpectMsg(0);
    }

    [Fact]
    public void Resume_ChildFails_StateKept()
    {
        var (_, child, probe) = Spawn(new OneForOneStrategy(_ => Directive.Resume));
        probe.Send(child, "inc");
        probe.Send(child, "fail");
        probe.Send(child, "inc");
        probe.Send(child, "get");

        probe.ExpectMsg(2);
    }

    [Fact]
    public void Stop_ChildFails_ChildTerminatedAndLaterMessagesAreDeadLetters()
    {
        var (_, child, probe) = Spawn(new OneForOneStrategy(_ => Directive.Stop));
        probe.Watch(child);
        probe.Send(child, "fail");

        // PostStop's message and Terminated travel on different queues of the probe: either may come first.
        var received = probe.ReceiveN(2);
        Assert.Contains("child:stopped", received);
        Assert.Contains(received, m => m is Terminated t && t.ActorRef.Equals(child));
        var before = Sys.DeadLetterCount;
        probe.Send(child, "get");
        Assert.Equal(before + 1, Sys.DeadLetterCount);
    }

    [Fact]
    public void Escalate_LeafFails_GrandparentRestartsMiddleWhichStopsLeaf()
    {
        var probe = CreateTestProbe();
        var top = ActorOf(Props.Create(() => new ParentActor(new OneForOneStrategy(_ => Directive.Restart), probe.Ref, "top")), "top");
        probe.Send(top, new CreateChild(Props.Create(() => new ParentActor(new OneForOneStrategy(_ => Directive.Escalate), probe.Ref, "mid")), "mid"));
        var mid = probe.ExpectMsg<IActorRef>();
        probe.Send(mid, new CreateChild(Props.Create(() => new CounterActor(probe.Ref, "leaf")), "leaf"));
        var leaf = probe.ExpectChildStarted("leaf");
        probe.Watch(leaf);

        probe.Send(leaf, "fail");

        probe.ExpectMsg("mid:prerestart:boom");
        // The leaf's Terminated travels on another queue of the probe than the PostStop messages: any order.
        var received = probe.ReceiveN(3);
        Assert.Contains("mid:stopped", received);
        Assert.Contains("leaf:stopped", received);
        Assert.Contains(received, m => m is Terminated t && t.ActorRef.Equals(leaf));
        probe.Send(mid, "ping");
        probe.ExpectMsg("pong");
    }

    [Fact]
    public void AllForOne_OneChildFails_AllChildrenRestarted()
    {
        var probe = CreateTestProbe();
        var parent = ActorOf(Props.Create(() => new ParentActor(new AllForOneStrategy(_ => Directive.Restart), probe.Ref, "p")));
        probe.Send(parent, new CreateChild(Props.Create(() => new CounterActor(probe.Ref, "a")), "a"));
        var a = probe.ExpectChildStarted("a");
        probe.Send(parent, new CreateChild(Props.Create(() => new CounterActor(probe.Ref, "b")), "b"));
        var b = probe.ExpectChildStarted("b");
        probe.Send(b, "inc");
        // b has counted before a fails: otherwise the restart can overtake the "inc" still in b's mailbox, which b then
        // counts after its restart (the mailbox survives a restart) and "get" below reads 1.
        probe.Send(b, "get");
        probe.ExpectMsg(1);

        probe.Send(a, "fail");

        var hooks = probe.ReceiveN(8).Cast<string>().ToList();
        Assert.Contains("a:postrestart", hooks);
        Assert.Contains("b:postrestart", hooks);
        probe.Send(b, "get");
        probe.ExpectMsg(0);
    }

    [Fact]
    public void Guardian_TopLevelEscalates_TopLevelStoppedLoggedAndSystemAlive()
    {
        var probe = CreateTestProbe();
        var top = ActorOf(Props.Create(() => new ParentActor(new OneForOneStrategy(_ => Directive.Escalate), probe.Ref, "top")), "top");
        probe.Send(top, new CreateChild(Props.Create(() => new CounterActor(probe.Ref, "leaf")), "leaf"));
        var leaf = probe.ExpectChildStarted("leaf");
        probe.Watch(top);

        probe.Send(leaf, "fail");

        probe.FishForMessage<Terminated>(t => t.ActorRef.Equals(top));
        Assert.Contains(LogSink.Events, e => e.Level == LogLevel.Error && e.Message.Contains(top.Path.ToString()));
        var other = CreateTestProbe();
        var echo = ActorOf(Props.Create<EchoActor>());
        other.Send(echo, "still alive");
        other.ExpectMsg("still alive");
    }

    [Fact]
    public void DefaultStrategy_TopLevelThrows_RestartedByGuardian()
    {
        var probe = CreateTestProbe();
        var counter = ActorOf(Props.Create(() => new CounterActor(probe.Ref, "c")), "c");
        probe.ExpectMsg("c:started");
        probe.Send(counter, "inc");
        probe.Send(counter, "fail");
        probe.Send(counter, "get");

        probe.FishForMessage<string>(s => s == "c:postrestart");
        probe.FishForMessage<int>(n => n == 0);
    }

    [Fact]
    public void Throwing_EverywhereInLifecycle_ProcessAndSystemSurvive()
    {
        var probe = CreateTestProbe();
        ActorOf(Props.Create(() => new ThrowingCtorActor()));
        var badStop = ActorOf(Props.Create(() => new ThrowingPostStopActor()));
        Sys.Stop(badStop);
        var counter = ActorOf(Props.Create(() => new CounterActor(probe.Ref, "c")));
        probe.ExpectMsg("c:started");
        for (var i = 0; i < 50; i++)
        {
            counter.Tell("fail");
        }
        Sys.Scheduler.ScheduleOnce(TimeSpan.Zero, () => throw new InvalidOperationException("scheduled boom"));

        probe.Send(counter, "get");
        probe.FishForMessage<int>(n => n == 0);
        var echo = ActorOf(Props.Create<EchoActor>());
        probe.Send(echo, "ok");
        probe.ExpectMsg("ok");
        AwaitAssert(() => Assert.Contains(LogSink.Events, e => e.Message.Contains("failed to start")));
    }

    private sealed class ThrowingCtorActor : ReceiveActor
    {
        public ThrowingCtorActor() => throw new InvalidOperationException("ctor boom");
    }

    private sealed class ThrowingPostStopActor : ReceiveActor
    {
        protected override void PostStop() => throw new InvalidOperationException("poststop boom");
    }
}

[Trait("Category", "Unit")]
public class RestartLimitTests() : ActorTestKit(new ManualTimeProvider())
{
    private ManualTimeProvider Clock => (ManualTimeProvider)Sys.TimeProvider;

    private (IActorRef Child, TestProbe Probe) Spawn()
    {
        var probe = CreateTestProbe();
        var strategy = new OneForOneStrategy(2, TimeSpan.FromSeconds(10), _ => Directive.Restart);
        var parent = ActorOf(Props.Create(() => new ParentActor(strategy, probe.Ref, "parent")));
        probe.Send(parent, new CreateChild(Props.Create(() => new CounterActor(probe.Ref, "child")), "child"));
        var child = probe.ExpectChildStarted("child");
        probe.Watch(child);
        return (child, probe);
    }

    private static void FailAndExpectRestart(IActorRef child, TestProbe probe)
    {
        probe.Send(child, "fail");
        probe.FishForMessage<string>(s => s == "child:started");
    }

    [Fact]
    public void OneForOne_ThirdFailureWithinWindow_ChildStopped()
    {
        var (child, probe) = Spawn();
        FailAndExpectRestart(child, probe);
        Clock.Advance(TimeSpan.FromSeconds(4));
        FailAndExpectRestart(child, probe);
        Clock.Advance(TimeSpan.FromSeconds(4));

        probe.Send(child, "fail");

        probe.FishForMessage<Terminated>(t => t.ActorRef.Equals(child));
    }

    [Fact]
    public void OneForOne_FailuresSpreadOverWindows_ChildKeepsRestarting()
    {
        var (child, probe) = Spawn();
        FailAndExpectRestart(child, probe);
        FailAndExpectRestart(child, probe);
        Clock.Advance(TimeSpan.FromSeconds(11));
        FailAndExpectRestart(child, probe);
        FailAndExpectRestart(child, probe);

        probe.Send(child, "fail");

        probe.FishForMessage<Terminated>(t => t.ActorRef.Equals(child));
    }
}
