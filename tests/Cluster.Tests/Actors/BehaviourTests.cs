using ActorCodistill.Cluster.Actors;
using ActorCodistill.TestKit;

namespace ActorCodistill.Cluster.Tests.Actors;

[Trait("Category", "Unit")]
public class BehaviourTests : ActorTestKit
{
    [Fact]
    public void Become_NamedPhases_SwitchHandlersAndReportName()
    {
        var probe = CreateTestProbe();
        var actor = ActorOf(Props.Create<PhasedActor>());

        probe.Send(actor, "work");
        probe.ExpectMsg("Initializing:ignored work");
        probe.Send(actor, "ready");
        probe.Send(actor, "work");
        probe.ExpectMsg("Active:did work");
        probe.Send(actor, "drain");
        probe.Send(actor, "work");
        probe.ExpectMsg("Draining:refused work");
        probe.Send(actor, "undo");
        probe.Send(actor, "work");
        probe.ExpectMsg("Active:did work");
    }

    [Fact]
    public void Stash_UntilOpen_UnstashedInOriginalOrderBeforeNewMessages()
    {
        var probe = CreateTestProbe();
        var actor = ActorOf(Props.Create(() => new StashingActor(probe.Ref)));

        foreach (var m in new[] { "m1", "m2", "m3", "open", "m4" })
        {
            actor.Tell(m);
        }

        Assert.Equal(new object[] { "m1", "m2", "m3", "m4" }, probe.ReceiveN(4));
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void ReceiveAsync_WhileAwaiting_NothingElseProcessedThenRepliesInOrder()
    {
        var probe = CreateTestProbe();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var actor = ActorOf(Props.Create(() => new AsyncActor(gate.Task)));

        probe.Send(actor, "slow");
        probe.Send(actor, "fast");
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(150));
        gate.SetResult();

        probe.ExpectMsg("slow-done");
        Assert.Equal(actor, probe.LastSender);
        probe.ExpectMsg("fast");
    }

    [Fact]
    public void ReceiveAsync_HandlerFaults_ActorRestarted()
    {
        var probe = CreateTestProbe();
        Sys.EventStream.Subscribe(probe.Ref, typeof(string));
        var actor = ActorOf(Props.Create(() => new AsyncActor(Task.CompletedTask)));

        probe.Send(actor, "throw-later");
        probe.Send(actor, "fast");

        probe.ExpectMsg("restarted:async boom");
        probe.ExpectMsg("fast");
    }

    private sealed class PhasedActor : ReceiveActor
    {
        public PhasedActor() => Become(Initializing);

        private void Initializing()
        {
            Receive<string>(_ => Become(Active), s => s == "ready");
            Receive<string>(s => Sender.Tell($"{Context.BehaviourName}:ignored {s}"));
        }

        private void Active()
        {
            Receive<string>(_ => BecomeStacked(Draining), s => s == "drain");
            Receive<string>(s => Sender.Tell($"{Context.BehaviourName}:did {s}"));
        }

        private void Draining()
        {
            Receive<string>(_ => UnbecomeStacked(), s => s == "undo");
            Receive<string>(s => Sender.Tell($"{Context.BehaviourName}:refused {s}"));
        }
    }

    private sealed class StashingActor : ReceiveActor, IWithStash
    {
        public StashingActor(IActorRef probe)
        {
            Receive<string>(_ =>
            {
                Stash.UnstashAll();
                Become(() => ReceiveAny(m => probe.Tell(m)), "Open");
            }, s => s == "open");
            ReceiveAny(_ => Stash.Stash());
        }

        public IStash Stash { get; set; } = null!;
    }

    private sealed class AsyncActor : ReceiveActor
    {
        public AsyncActor(Task gate)
        {
            ReceiveAsync<string>(async _ =>
            {
                await gate;
                Sender.Tell("slow-done", Self);
            }, s => s == "slow");
            ReceiveAsync<string>(async _ =>
            {
                await Task.Yield();
                throw new InvalidOperationException("async boom");
            }, s => s == "throw-later");
            Receive<string>(s => Sender.Tell(s), s => s == "fast");
        }

        protected override void PostRestart(Exception reason)
        {
            Context.System.EventStream.Publish($"restarted:{reason.Message}");
        }
    }
}
