using ActorCodistill.Cluster.Actors;
using ActorCodistill.TestKit;

namespace ActorCodistill.Cluster.Tests.Actors;

[Trait("Category", "Unit")]
public class DispatcherTests : ActorTestKit
{
    [Fact]
    public void Pinned_ManyMessagesAndRestart_SameThreadAsConstructor()
    {
        var probe = CreateTestProbe();
        var actor = ActorOf(Props.Create(() => new ThreadReporter()).WithDispatcher(Dispatchers.PinnedDispatcherId));

        for (var i = 0; i < 200; i++)
        {
            probe.Send(actor, "where");
        }
        var before = probe.ReceiveN(200).Cast<(int Ctor, int Now)>().ToList();
        probe.Send(actor, "fail");
        probe.Send(actor, "where");
        var after = probe.ExpectMsg<(int Ctor, int Now)>();
        probe.Send(actor, "async");
        var afterAwait = probe.ExpectMsg<(int Ctor, int Now)>();

        var pinned = before[0].Ctor;
        Assert.All(before, r => Assert.Equal((pinned, pinned), r));
        Assert.Equal((pinned, pinned), after);
        Assert.Equal((pinned, pinned), afterAwait);
        Assert.NotEqual(Environment.CurrentManagedThreadId, pinned);
    }

    [Fact]
    public void Pinned_TwoActors_DifferentThreads()
    {
        var probe = CreateTestProbe();
        var a = ActorOf(Props.Create(() => new ThreadReporter()).WithDispatcher(Dispatchers.PinnedDispatcherId));
        var b = ActorOf(Props.Create(() => new ThreadReporter()).WithDispatcher(Dispatchers.PinnedDispatcherId));

        probe.Send(a, "where");
        var ta = probe.ExpectMsg<(int Ctor, int Now)>();
        probe.Send(b, "where");
        var tb = probe.ExpectMsg<(int Ctor, int Now)>();

        Assert.NotEqual(ta.Now, tb.Now);
    }

    [Fact]
    public void Lookup_UnknownDispatcher_ErrorNamesIt()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            ActorOf(Props.Create<EchoActor>().WithDispatcher("gpu-dispatcher")));
        Assert.Contains("gpu-dispatcher", error.Message);
    }

    private sealed class ThreadReporter : ReceiveActor
    {
        private readonly int _ctorThread = Environment.CurrentManagedThreadId;

        public ThreadReporter()
        {
            Receive<string>(_ => Sender.Tell((_ctorThread, Environment.CurrentManagedThreadId)), s => s == "where");
            Receive<string>(_ => throw new InvalidOperationException("boom"), s => s == "fail");
            ReceiveAsync<string>(async _ =>
            {
                await Task.Delay(1);
                Sender.Tell((_ctorThread, Environment.CurrentManagedThreadId));
            }, s => s == "async");
        }
    }
}
