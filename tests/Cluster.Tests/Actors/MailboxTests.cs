using ActorCodistill.Cluster.Actors;
using ActorCodistill.TestKit;

namespace ActorCodistill.Cluster.Tests.Actors;

[Trait("Category", "Unit")]
public class MailboxTests : ActorTestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Fact]
    public void SystemMessage_StopWhileBusy_ProcessedBeforeQueuedUserMessages()
    {
        var probe = CreateTestProbe();
        var dead = CreateTestProbe();
        Sys.EventStream.Subscribe(dead.Ref, typeof(DeadLetter));
        using var entered = new ManualResetEventSlim();
        using var gate = new ManualResetEventSlim();
        var actor = ActorOf(Props.Create(() => new GateActor(entered, gate, probe.Ref)));
        probe.Watch(actor);
        actor.Tell("block");
        Assert.True(entered.Wait(Wait));

        actor.Tell("m1");
        actor.Tell("m2");
        actor.Tell("m3");
        Sys.Stop(actor);
        gate.Set();

        var letters = new[] { dead.ExpectMsg<DeadLetter>(), dead.ExpectMsg<DeadLetter>(), dead.ExpectMsg<DeadLetter>() };
        Assert.Equal(new object[] { "m1", "m2", "m3" }, letters.Select(d => d.Message));
        Assert.All(letters, d => Assert.Equal(actor, d.Recipient));
        probe.ExpectTerminated(actor);
    }

    [Fact]
    public void Bounded_DropNewest_OverflowGoesToDeadLettersCounted()
    {
        var probe = CreateTestProbe();
        var dead = CreateTestProbe();
        Sys.EventStream.Subscribe(dead.Ref, typeof(DeadLetter));
        using var entered = new ManualResetEventSlim();
        using var gate = new ManualResetEventSlim();
        var actor = ActorOf(Props.Create(() => new GateActor(entered, gate, probe.Ref))
            .WithMailbox(MailboxSettings.Bounded(2, OverflowPolicy.DropNewest)));
        actor.Tell("block");
        Assert.True(entered.Wait(Wait));
        var before = Sys.DeadLetterCount;

        foreach (var m in new[] { "m1", "m2", "m3", "m4", "m5" })
        {
            actor.Tell(m);
        }

        Assert.Equal(before + 3, Sys.DeadLetterCount);
        Assert.Equal(new object[] { "m3", "m4", "m5" }, dead.ReceiveN(3).Cast<DeadLetter>().Select(d => d.Message));
        gate.Set();
        Assert.Equal(new object[] { "m1", "m2" }, probe.ReceiveN(2));
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Bounded_Fail_TellThrowsNamingActor()
    {
        var probe = CreateTestProbe();
        using var entered = new ManualResetEventSlim();
        using var gate = new ManualResetEventSlim();
        var actor = ActorOf(Props.Create(() => new GateActor(entered, gate, probe.Ref))
            .WithMailbox(MailboxSettings.Bounded(1, OverflowPolicy.Fail)), "bounded");
        actor.Tell("block");
        Assert.True(entered.Wait(Wait));
        actor.Tell("m1");

        var error = Assert.Throws<MailboxOverflowException>(() => actor.Tell("m2"));

        Assert.Contains("act://test/user/bounded", error.Message);
        gate.Set();
        probe.ExpectMsg("m1");
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void DeadLetters_TellToStoppedActor_PublishedAndCounted()
    {
        var dead = CreateTestProbe();
        Sys.EventStream.Subscribe(dead.Ref, typeof(DeadLetter));
        var probe = CreateTestProbe();
        var echo = ActorOf(Props.Create<EchoActor>());
        probe.Watch(echo);
        Sys.Stop(echo);
        probe.ExpectTerminated(echo);
        var before = Sys.DeadLetterCount;

        probe.Send(echo, "lost?");

        var letter = dead.ExpectMsg<DeadLetter>();
        Assert.Equal("lost?", letter.Message);
        Assert.Equal(probe.Ref, letter.Sender);
        Assert.Equal(echo, letter.Recipient);
        Assert.Equal(before + 1, Sys.DeadLetterCount);
        Assert.Contains(LogSink.Events, e => e.Message.Contains("Dead letter"));
    }

    [Fact]
    public void Ordering_ManySendersConcurrently_PerSenderOrderKept()
    {
        const int senders = 8;
        const int perSender = 2000;
        var probe = CreateTestProbe();
        var sink = ActorOf(Props.Create(() => new ForwardActor(probe.Ref)));

        Parallel.For(0, senders, s =>
        {
            for (var i = 0; i < perSender; i++)
            {
                sink.Tell((s, i));
            }
        });

        var next = new int[senders];
        foreach (var (s, i) in probe.ReceiveN(senders * perSender, TimeSpan.FromSeconds(20)).Cast<(int, int)>())
        {
            Assert.Equal(next[s], i);
            next[s]++;
        }
        Assert.All(next, n => Assert.Equal(perSender, n));
    }
}
