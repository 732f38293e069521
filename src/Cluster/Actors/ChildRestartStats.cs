namespace ActorCodistill.Cluster.Actors;

/// <summary>Restarts of one child within the current window (Akka's retriesInWindowOkay).</summary>
internal sealed class ChildRestartStats
{
    private int _retries;
    private DateTimeOffset? _windowStart;

    public int RetriesInWindow => _retries;

    /// <summary>
    /// True when one more restart is allowed. <paramref name="maxNrOfRetries"/> &lt; 0 means unlimited; a null
    /// window means the count never resets.
    /// </summary>
    public bool RequestRestartPermission(DateTimeOffset now, int maxNrOfRetries, TimeSpan? withinTimeRange)
    {
        if (maxNrOfRetries < 0)
        {
            return true;
        }
        if (maxNrOfRetries == 0)
        {
            return false;
        }
        if (withinTimeRange is not { } window)
        {
            _retries++;
            return _retries <= maxNrOfRetries;
        }
        var start = _windowStart ?? now;
        _windowStart = start;
        if (now - start <= window)
        {
            _retries++;
            return _retries <= maxNrOfRetries;
        }
        _retries = 1;
        _windowStart = now;
        return true;
    }
}
