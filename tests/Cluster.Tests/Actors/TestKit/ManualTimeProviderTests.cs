using ActorCodistill.TestKit;

namespace ActorCodistill.Cluster.Tests.Actors.TestKit;

[Trait("Category", "Unit")]
public class ManualTimeProviderTests
{
    [Fact]
    public void Advance_PastSeveralTimers_FiresInDueOrderWithClockAtDueTime()
    {
        var clock = new ManualTimeProvider();
        var start = clock.GetUtcNow();
        var fired = new List<(string, TimeSpan)>();
        using var late = clock.CreateTimer(_ => fired.Add(("late", clock.GetUtcNow() - start)), null, TimeSpan.FromSeconds(3), Timeout.InfiniteTimeSpan);
        using var early = clock.CreateTimer(_ => fired.Add(("early", clock.GetUtcNow() - start)), null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        using var never = clock.CreateTimer(_ => fired.Add(("never", clock.GetUtcNow() - start)), null, TimeSpan.FromSeconds(9), Timeout.InfiniteTimeSpan);

        clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(new[] { ("early", TimeSpan.FromSeconds(1)), ("late", TimeSpan.FromSeconds(3)) }, fired);
        Assert.Equal(TimeSpan.FromSeconds(5), clock.GetUtcNow() - start);
    }

    [Fact]
    public void Advance_PeriodicTimer_FiresOncePerElapsedPeriod()
    {
        var clock = new ManualTimeProvider();
        var count = 0;
        using var timer = clock.CreateTimer(_ => count++, null, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));

        clock.Advance(TimeSpan.FromSeconds(7));

        Assert.Equal(3, count);
    }

    [Fact]
    public void Dispose_BeforeDue_NeverFires()
    {
        var clock = new ManualTimeProvider();
        var fired = false;
        var timer = clock.CreateTimer(_ => fired = true, null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);

        timer.Dispose();
        clock.Advance(TimeSpan.FromSeconds(2));

        Assert.False(fired);
    }

    [Fact]
    public async Task TaskDelay_OnManualClock_CompletesOnlyWhenAdvanced()
    {
        var clock = new ManualTimeProvider();
        var delay = Task.Delay(TimeSpan.FromSeconds(10), clock);

        clock.Advance(TimeSpan.FromSeconds(9));
        Assert.False(delay.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(1));

        await delay.WaitAsync(TimeSpan.FromSeconds(5));
    }
}
