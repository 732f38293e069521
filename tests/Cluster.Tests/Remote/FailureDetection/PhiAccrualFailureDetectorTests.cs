using ActorCodistill.Cluster.Remote.FailureDetection;

namespace ActorCodistill.Cluster.Tests.Remote.FailureDetection;

/// <summary>A clock that moves only when told, so phi is a function of the test's own numbers.</summary>
internal sealed class ManualClock : TimeProvider
{
    private long _ticks = TimeSpan.TicksPerDay;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;
    public override long GetTimestamp() => _ticks;
    public override DateTimeOffset GetUtcNow() => new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(_ticks);
    public void Advance(TimeSpan by) => _ticks += by.Ticks;
    public void AdvanceMs(double ms) => Advance(TimeSpan.FromMilliseconds(ms));
}

[Trait("Category", "Unit")]
public class PhiAccrualFailureDetectorTests
{
    [Theory]
    // Hand-computed with Akka's formula: y = (t - mean) / sd, e = exp(-y (1.5976 + 0.070566 y^2)), phi = -log10(e / (1 + e)).
    [InlineData(5000, 4000, 250, 4.7366946)]
    [InlineData(5300, 4000, 250, 7.9170425)]
    [InlineData(4000, 4000, 250, 0.30103)] // y = 0: e = 1, phi = -log10(1/2)
    public void Phi_KnownInputs_MatchesAkkaFormula(double timeDiff, double mean, double sd, double expected)
    {
        Assert.Equal(expected, PhiAccrualFailureDetector.Phi(timeDiff, mean, sd), 5);
    }

    [Fact]
    public void Detector_NoHeartbeatYet_PhiZeroAndAvailable()
    {
        var clock = new ManualClock();
        var detector = new PhiAccrualFailureDetector(clock);
        clock.AdvanceMs(60_000);
        Assert.Equal(0.0, detector.Phi());
        Assert.True(detector.IsAvailable);
        Assert.False(detector.IsMonitoring);
    }

    [Fact]
    public void Detector_SilenceAfterFirstHeartbeat_PhiRisesAndCrossesThresholdAt5307ms()
    {
        // Akka defaults: seed history {750, 1250} -> mean 1000, sd 250; plus 3 s acceptable pause -> mean 4000.
        // phi = 8 at y = 5.2262, i.e. 4000 + 5.2262 * 250 = 5306.5 ms.
        var clock = new ManualClock();
        var detector = new PhiAccrualFailureDetector(clock);
        detector.HeartBeat();
        var previous = -1.0;
        for (var ms = 0; ms <= 5300; ms += 100)
        {
            var phi = detector.Phi();
            Assert.True(phi >= previous, $"phi must not fall during silence: {phi} after {previous} at {ms} ms");
            previous = phi;
            if (ms < 5300) clock.AdvanceMs(100);
        }
        Assert.True(previous > 7.9, $"phi {previous} at 5300 ms");
        clock.AdvanceMs(6);
        Assert.True(detector.IsAvailable, $"phi {detector.Phi()} at 5306 ms");
        clock.AdvanceMs(1);
        Assert.False(detector.IsAvailable, $"phi {detector.Phi()} at 5307 ms");
    }

    [Fact]
    public void Detector_RegularHeartbeats_StaysLowAndCrossesAtMinStdDeviation()
    {
        // 19 intervals of 1000 ms next to the seeds {750, 1250}: sd = 77 ms, clamped to the 100 ms minimum,
        // so the crossing moves to 4000 + 5.2262 * 100 = 4522.6 ms.
        var clock = new ManualClock();
        var detector = new PhiAccrualFailureDetector(clock);
        for (var i = 0; i < 20; i++)
        {
            detector.HeartBeat();
            clock.AdvanceMs(1000);
            Assert.True(detector.Phi() < 0.01, $"phi {detector.Phi()} one interval after heartbeat {i}");
        }
        clock.AdvanceMs(3522);
        Assert.Equal(7.98083, detector.Phi(), 4);
        Assert.True(detector.IsAvailable);
        clock.AdvanceMs(1);
        Assert.False(detector.IsAvailable);
    }

    [Fact]
    public void Detector_HeartbeatAfterFailure_RecoversAndDoesNotSampleThePause()
    {
        var clock = new ManualClock();
        var detector = new PhiAccrualFailureDetector(clock);
        detector.HeartBeat();
        clock.AdvanceMs(60_000);
        Assert.False(detector.IsAvailable);
        detector.HeartBeat();
        Assert.True(detector.IsAvailable);
        // Were the 60 s pause sampled, the mean would be ~20 s and 5307 ms of silence would look healthy.
        clock.AdvanceMs(5307);
        Assert.False(detector.IsAvailable);
    }

    [Fact]
    public void Registry_PerPeerDetectors_UnknownPeerAvailableAndPeersIndependent()
    {
        var clock = new ManualClock();
        var registry = new DefaultFailureDetectorRegistry<string>(() => new PhiAccrualFailureDetector(clock));
        Assert.True(registry.IsAvailable("a"));
        Assert.False(registry.IsMonitoring("a"));
        registry.HeartBeat("a");
        registry.HeartBeat("b");
        clock.AdvanceMs(6000);
        registry.HeartBeat("b");
        Assert.False(registry.IsAvailable("a"));
        Assert.True(registry.IsAvailable("b"));
        Assert.True(registry.IsMonitoring("a"));
        registry.Remove("a");
        Assert.True(registry.IsAvailable("a"));
    }
}

[Trait("Category", "Unit")]
public class HeartbeatSenderStateTests
{
    [Fact]
    public void State_TickAndResponses_ReturnNewCopiesAndTrackResponders()
    {
        var empty = HeartbeatSenderState.Empty;
        var withTwo = empty.AddReceiver("b").AddReceiver("a");
        Assert.Empty(empty.Receivers);
        Assert.Equal(["a", "b"], withTwo.Receivers);

        var ticked = withTwo.Tick().Tick();
        Assert.Equal(0, withTwo.SequenceNr);
        Assert.Equal(2, ticked.SequenceNr);

        var answered = ticked.HeartbeatRsp("a", 2);
        Assert.True(answered.HasResponded("a"));
        Assert.False(ticked.HasResponded("a"));
        Assert.Same(answered, answered.HeartbeatRsp("a", 3)); // from the future: ignored
        Assert.Same(answered, answered.HeartbeatRsp("zz", 1)); // not a receiver: ignored
        var removed = answered.RemoveReceiver("a");
        Assert.Equal(["b"], removed.Receivers);
        Assert.False(removed.HasResponded("a"));
    }
}
