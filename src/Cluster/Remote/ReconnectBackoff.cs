namespace ActorCodistill.Cluster.Remote;

/// <summary>
/// Exponential reconnect delays: min, 2*min, 4*min ... capped at max, each scaled by a jitter factor in
/// [1 - jitter, 1 + jitter] and then clamped to [min, max]. The random source is injected so tests see fixed numbers.
/// </summary>
public sealed class ReconnectBackoff
{
    private readonly TimeSpan _min;
    private readonly TimeSpan _max;
    private readonly double _jitter;
    private readonly Random _random;

    public ReconnectBackoff(TimeSpan min, TimeSpan max, double jitter, Random random)
    {
        if (min <= TimeSpan.Zero || max < min) throw new ArgumentOutOfRangeException(nameof(min), $"reconnect backoff needs 0 < min <= max, got {min}..{max}");
        if (jitter is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(jitter), jitter, "reconnect backoff jitter must be in [0, 1)");
        _min = min;
        _max = max;
        _jitter = jitter;
        _random = random;
    }

    public int Attempt { get; private set; }

    public TimeSpan Next()
    {
        // 2^attempt overflows nothing: the exponent stops growing once the cap is reached.
        var baseTicks = Math.Min(_max.Ticks, _min.Ticks * Math.Pow(2, Math.Min(Attempt, 62)));
        var factor = 1 + _jitter * (2 * _random.NextDouble() - 1);
        Attempt++;
        return TimeSpan.FromTicks((long)Math.Clamp(baseTicks * factor, _min.Ticks, _max.Ticks));
    }

    public void Reset() => Attempt = 0;
}
