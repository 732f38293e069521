using ActorCodistill.Cluster.Actors;
using ActorCodistill.TestKit;

namespace ActorCodistill.Cluster.Tests.Actors;

[Trait("Category", "Unit")]
public class DeathWatchTests : ActorTestKit
{
    [Fact]
    public void Watch_ActorStops_TerminatedWithExistenceConfirmed()
    {
        var probe = CreateTestProbe();
        var echo = ActorOf(Props.Create<EchoActor>(), "echo");
        probe.Watch(echo);
        probe.Send(echo, "sync");
        probe.ExpectMsg("sync");

        Sys.Stop(echo);

        var terminated = probe.ExpectTerminated(echo);
        Assert.True(terminated.ExistenceConfirmed);
        Assert.False(terminated.AddressTerminated);
    }

    [Fact]
    public void Watch_AlreadyDeadActor_TerminatedWithoutExistenceConfirmed()
    {
        var first = CreateTestProbe();
        var echo = ActorOf(Props.Create<EchoActor>());
        first.Watch(echo);
        echo.Tell(PoisonPill.Instance);
        first.ExpectTerminated(echo);

        var late = CreateTestProbe();
        late.Watch(echo);

        Assert.False(late.ExpectTerminated(echo).ExistenceConfirmed);
    }

    [Fact]
    public void Unwatch_BeforeStop_NoTerminated()
    {
        var probe = CreateTestProbe();
        var echo = ActorOf(Props.Create<EchoActor>());
        probe.Watch(echo);
        probe.Unwatch(echo);
        probe.Send(echo, "sync");
        probe.ExpectMsg("sync");

        Sys.Stop(echo);

        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void UnhandledTerminated_WatcherStoppedByDeathPact()
    {
        var probe = CreateTestProbe();
        var target = ActorOf(Props.Create<EchoActor>());
        var watcher = ActorOf(Props.Create(() => new IgnoringWatcher(target)));
        probe.Watch(watcher);
        probe.Send(watcher, "sync");
        probe.ExpectMsg("sync");

        Sys.Stop(target);

        probe.ExpectTerminated(watcher);
    }

    [Fact]
    public void SameName_AfterStop_NewIncarnationIsDifferentRefAndOldRefIsDead()
    {
        var probe = CreateTestProbe();
        var old = ActorOf(Props.Create<EchoActor>(), "worker");
        probe.Watch(old);
        Sys.Stop(old);
        probe.ExpectTerminated(old);

        var fresh = ActorOf(Props.Create<EchoActor>(), "worker");
        var deadBefore = Sys.DeadLetterCount;
        probe.Send(old, "to-old");
        probe.Send(fresh, "to-new");

        probe.ExpectMsg("to-new");
        Assert.Equal(old.Path, fresh.Path);
        Assert.NotEqual(old.Path.Uid, fresh.Path.Uid);
        Assert.NotEqual(old, fresh);
        Assert.Equal(deadBefore + 1, Sys.DeadLetterCount);
    }

    [Fact]
    public void ActorOf_DuplicateLiveName_Throws()
    {
        ActorOf(Props.Create<EchoActor>(), "dup");
        Assert.Throws<InvalidActorNameException>(() => ActorOf(Props.Create<EchoActor>(), "dup"));
        Assert.Throws<InvalidActorNameException>(() => ActorOf(Props.Create<EchoActor>(), "a/b"));
        Assert.Throws<InvalidActorNameException>(() => ActorOf(Props.Create<EchoActor>(), "$reserved"));
    }

    private sealed class IgnoringWatcher : ReceiveActor
    {
        public IgnoringWatcher(IActorRef target)
        {
            Context.Watch(target);
            Receive<string>(s => Sender.Tell(s));
        }
    }
}
