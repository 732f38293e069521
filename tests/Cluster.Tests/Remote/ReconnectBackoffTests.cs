using ActorCodistill.Cluster.Remote;

namespace ActorCodistill.Cluster.Tests.Remote;

[Trait("Category", "Unit")]
public class ReconnectBackoffTests
{
    [Fact]
    public void Next_NoJitter_DoublesFromMinAndStopsAtMax()
    {
        var backoff = new ReconnectBackoff(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(2), 0, new Random(1));
        var delays = Enumerable.Range(0, 7).Select(_ => backoff.Next().TotalMilliseconds).ToArray();
        Assert.Equal([200, 400, 800, 1600, 2000, 2000, 2000], delays);
        backoff.Reset();
        Assert.Equal(200, backoff.Next().TotalMilliseconds);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(42)]
    [InlineData(1234)]
    public void Next_WithJitter_StaysWithinMinMaxAndJitterBand(int seed)
    {
        var min = TimeSpan.FromMilliseconds(100);
        var max = TimeSpan.FromSeconds(5);
        var backoff = new ReconnectBackoff(min, max, 0.2, new Random(seed));
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var expectedBase = Math.Min(max.TotalMilliseconds, min.TotalMilliseconds * Math.Pow(2, attempt));
            var delay = backoff.Next().TotalMilliseconds;
            Assert.InRange(delay, min.TotalMilliseconds, max.TotalMilliseconds);
            Assert.InRange(delay, Math.Max(min.TotalMilliseconds, expectedBase * 0.8) - 1e-3, Math.Min(max.TotalMilliseconds, expectedBase * 1.2) + 1e-3);
        }
    }

    [Fact]
    public void Next_SameSeed_SameSequence()
    {
        static double[] Run()
        {
            var backoff = new ReconnectBackoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5), 0.3, new Random(7));
            return Enumerable.Range(0, 10).Select(_ => backoff.Next().TotalMilliseconds).ToArray();
        }
        Assert.Equal(Run(), Run());
    }
}
