using ActorCodistill.Cluster.Actors;
using ActorCodistill.TestKit;
using Xunit.Sdk;

namespace ActorCodistill.Cluster.Tests.Actors.TestKit;

[Trait("Category", "Unit")]
public class TestProbeTests : ActorTestKit
{
    [Fact]
    public void ExpectNoMsg_MessageArrives_Fails()
    {
        var probe = CreateTestProbe();
        probe.Ref.Tell("surprise");

        Assert.Throws<XunitException>(() => probe.ExpectNoMsg(TimeSpan.FromMilliseconds(500)));
    }

    [Fact]
    public void ExpectMsg_WrongMessage_FailsNamingBoth()
    {
        var probe = CreateTestProbe();
        probe.Ref.Tell("actual");

        var error = Assert.Throws<XunitException>(() => probe.ExpectMsg("expected"));
        Assert.Contains("actual", error.Message);
        Assert.Contains("expected", error.Message);
    }

    [Fact]
    public void FishForMessage_SkipsUntilMatch()
    {
        var probe = CreateTestProbe();
        foreach (var n in new[] { 1, 2, 3, 4 })
        {
            probe.Ref.Tell(n);
        }

        Assert.Equal(3, probe.FishForMessage<int>(n => n > 2));
        probe.ExpectMsg(4);
    }

    [Fact]
    public void ReplyAndForward_UseLastSender()
    {
        var a = CreateTestProbe();
        var b = CreateTestProbe();
        var c = CreateTestProbe();
        a.Send(b.Ref, "question");
        b.ExpectMsg("question");

        b.Reply("answer");
        b.Forward(c.Ref);

        a.ExpectMsg("answer");
        Assert.Equal(b.Ref, a.LastSender);
        c.ExpectMsg("question");
        Assert.Equal(a.Ref, c.LastSender);
    }

    [Fact]
    public void Within_BlockTooSlow_Fails()
    {
        var probe = CreateTestProbe();

        Assert.Throws<XunitException>(() =>
            probe.Within(TimeSpan.Zero, TimeSpan.FromMilliseconds(100), () => probe.ExpectMsg<string>(timeout: TimeSpan.FromSeconds(2))));
    }

    [Fact]
    public void AwaitCondition_NeverTrue_FailsAfterTimeout() =>
        Assert.Throws<XunitException>(() => AwaitCondition(() => false, TimeSpan.FromMilliseconds(50)));
}
