using ActorCodistill.Cluster.Actors;
using ActorCodistill.TestKit;

namespace ActorCodistill.Cluster.Tests.Actors;

[Trait("Category", "Unit")]
public class AskTests() : ActorTestKit(new ManualTimeProvider())
{
    [Fact]
    public async Task Ask_EchoActor_ReturnsTypedReply()
    {
        var echo = ActorOf(Props.Create<EchoActor>());

        var reply = await echo.Ask<string>("hello", TimeSpan.FromSeconds(5)).WaitAsync(DefaultTimeout);

        Assert.Equal("hello", reply);
    }

    [Fact]
    public async Task Ask_NoReply_TimesOutOnFakeClockNamingTarget()
    {
        var silent = ActorOf(Props.Create(() => new ForwardActor(Sys.DeadLetters)), "silent");
        var ask = silent.Ask<string>("anyone?", TimeSpan.FromSeconds(5));

        ((ManualTimeProvider)Sys.TimeProvider).Advance(TimeSpan.FromSeconds(4));
        Assert.False(ask.IsCompleted);
        ((ManualTimeProvider)Sys.TimeProvider).Advance(TimeSpan.FromSeconds(1));

        var error = await Assert.ThrowsAsync<AskTimeoutException>(() => ask.WaitAsync(DefaultTimeout));
        Assert.Contains("act://test/user/silent", error.Message);
    }

    [Fact]
    public async Task Ask_WrongReplyType_InvalidCastNamingTypes()
    {
        var echo = ActorOf(Props.Create<EchoActor>());

        var error = await Assert.ThrowsAsync<InvalidCastException>(
            () => echo.Ask<int>("text", TimeSpan.FromSeconds(5)).WaitAsync(DefaultTimeout));
        Assert.Contains("String", error.Message);
    }

    [Fact]
    public async Task Ask_FailureReply_ThrowsCause()
    {
        var echo = ActorOf(Props.Create<EchoActor>());

        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            echo.Ask<string>(new Status.Failure(new ArgumentException("bad key 'x'")), TimeSpan.FromSeconds(5))
                .WaitAsync(DefaultTimeout));
        Assert.Equal("bad key 'x'", error.Message);
    }

    [Fact]
    public async Task Ask_Cancelled_TaskCancelled()
    {
        var silent = ActorOf(Props.Create(() => new ForwardActor(Sys.DeadLetters)));
        using var cts = new CancellationTokenSource();
        var ask = silent.Ask<string>("x", TimeSpan.FromSeconds(5), cts.Token);

        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ask.WaitAsync(DefaultTimeout));
    }
}
