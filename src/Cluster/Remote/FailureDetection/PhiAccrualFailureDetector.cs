namespace ActorCodistill.Cluster.Remote.FailureDetection;

public interface IFailureDetector
{
    bool IsAvailable { get; }
    bool IsMonitoring { get; }
    void HeartBeat();
}

/// <summary>
/// Akka's phi-accrual failure detector (Hayashibara et al.): phi = -log10(1 - F(elapsed)) where F is the
/// normal CDF fitted to recent inter-arrival times, approximated by a logistic function as Akka does.
/// The acceptable pause is added to the mean so a GC pause or a burst of bulk traffic does not raise suspicion.
/// </summary>
public sealed class PhiAccrualFailureDetector : IFailureDetector
{
    private readonly object _gate = new();
    private readonly TimeProvider _clock;
    private HeartbeatHistory _history;
    private long? _lastTimestamp;

    public PhiAccrualFailureDetector(TimeProvider clock, double threshold = 8.0, int maxSampleSize = 1000,
        TimeSpan? minStdDeviation = null, TimeSpan? acceptableHeartbeatPause = null, TimeSpan? firstHeartbeatEstimate = null)
    {
        if (threshold <= 0) throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "failure-detector threshold must be > 0");
        if (maxSampleSize <= 0) throw new ArgumentOutOfRangeException(nameof(maxSampleSize), maxSampleSize, "failure-detector max-sample-size must be > 0");
        _clock = clock;
        Threshold = threshold;
        MinStdDeviationMs = (minStdDeviation ?? TimeSpan.FromMilliseconds(100)).TotalMilliseconds;
        AcceptableHeartbeatPauseMs = (acceptableHeartbeatPause ?? TimeSpan.FromSeconds(3)).TotalMilliseconds;
        if (MinStdDeviationMs <= 0) throw new ArgumentOutOfRangeException(nameof(minStdDeviation), "failure-detector min-std-deviation must be > 0");
        if (AcceptableHeartbeatPauseMs < 0) throw new ArgumentOutOfRangeException(nameof(acceptableHeartbeatPause), "failure-detector acceptable-heartbeat-pause must be >= 0");
        var firstMs = (firstHeartbeatEstimate ?? TimeSpan.FromSeconds(1)).TotalMilliseconds;
        if (firstMs <= 0) throw new ArgumentOutOfRangeException(nameof(firstHeartbeatEstimate), "failure-detector heartbeat-interval must be > 0");
        // Seed with two samples around the estimate so phi is meaningful right after the first heartbeat.
        var stdDeviation = firstMs / 4;
        _history = new HeartbeatHistory(maxSampleSize).Add(firstMs - stdDeviation).Add(firstMs + stdDeviation);
    }

    public double Threshold { get; }
    public double MinStdDeviationMs { get; }
    public double AcceptableHeartbeatPauseMs { get; }

    public bool IsAvailable => Phi() < Threshold;

    public bool IsMonitoring
    {
        get { lock (_gate) return _lastTimestamp.HasValue; }
    }

    public void HeartBeat()
    {
        lock (_gate)
        {
            var now = _clock.GetTimestamp();
            if (_lastTimestamp is { } last)
            {
                // The first heartbeat after a failure is not a sample: the long pause would skew the statistics.
                if (PhiAt(now, last, _history) < Threshold)
                    _history = _history.Add(_clock.GetElapsedTime(last, now).TotalMilliseconds);
            }
            _lastTimestamp = now;
        }
    }

    public double Phi()
    {
        lock (_gate)
        {
            return _lastTimestamp is { } last ? PhiAt(_clock.GetTimestamp(), last, _history) : 0.0;
        }
    }

    private double PhiAt(long now, long last, HeartbeatHistory history)
    {
        var elapsedMs = _clock.GetElapsedTime(last, now).TotalMilliseconds;
        return Phi(elapsedMs, history.Mean + AcceptableHeartbeatPauseMs, Math.Max(history.StdDeviation, MinStdDeviationMs));
    }

    /// <summary>Akka's logistic approximation of -log10(1 - NormalCdf((timeDiff - mean) / stdDeviation)).</summary>
    public static double Phi(double timeDiffMs, double meanMs, double stdDeviationMs)
    {
        var y = (timeDiffMs - meanMs) / stdDeviationMs;
        var e = Math.Exp(-y * (1.5976 + 0.070566 * y * y));
        return timeDiffMs > meanMs ? -Math.Log10(e / (1.0 + e)) : -Math.Log10(1.0 - 1.0 / (1.0 + e));
    }

    /// <summary>A bounded window of inter-arrival times with running sums, immutable like Akka's.</summary>
    private sealed record HeartbeatHistory(int MaxSampleSize)
    {
        private System.Collections.Immutable.ImmutableQueue<double> Intervals { get; init; } = System.Collections.Immutable.ImmutableQueue<double>.Empty;
        private int Count { get; init; }
        private double Sum { get; init; }
        private double SquaredSum { get; init; }

        public double Mean => Sum / Count;
        public double StdDeviation => Math.Sqrt(Math.Max(0, SquaredSum / Count - Mean * Mean));

        public HeartbeatHistory Add(double intervalMs)
        {
            var next = this;
            if (Count >= MaxSampleSize)
            {
                var oldest = Intervals.Peek();
                next = next with { Intervals = Intervals.Dequeue(), Count = Count - 1, Sum = Sum - oldest, SquaredSum = SquaredSum - oldest * oldest };
            }
            return next with
            {
                Intervals = next.Intervals.Enqueue(intervalMs),
                Count = next.Count + 1,
                Sum = next.Sum + intervalMs,
                SquaredSum = next.SquaredSum + intervalMs * intervalMs,
            };
        }
    }
}
