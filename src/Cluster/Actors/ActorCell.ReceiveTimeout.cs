namespace ActorCodistill.Cluster.Actors;

internal sealed partial class ActorCell
{
    private TimeSpan? _receiveTimeout;
    private DateTimeOffset _lastActivity;
    private int _receiveTimeoutGeneration;
    private ICancelable? _receiveTimeoutTask;

    // One pending check per actor instead of one timer per message: the check compares the idle time with the
    // timeout and re-arms for the remainder, at an absolute time so a fake clock cannot skip it.
    public void SetReceiveTimeout(TimeSpan? timeout)
    {
        if (timeout is { } t && t <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "Receive timeout must be positive.");
        }
        _receiveTimeoutTask?.Cancel();
        _receiveTimeoutTask = null;
        _receiveTimeoutGeneration++;
        _receiveTimeout = timeout;
        if (timeout is not null)
        {
            _lastActivity = _system.TimeProvider.GetUtcNow();
            ArmReceiveTimeout();
        }
    }

    private void ArmReceiveTimeout()
    {
        var tick = new ReceiveTimeoutTick(_receiveTimeoutGeneration);
        var self = SelfRef;
        _receiveTimeoutTask = _system.SchedulerInternal.ScheduleAt(_lastActivity + _receiveTimeout!.Value,
            () => self.Tell(tick, null));
    }

    /// <summary>True when the actor has been idle for the whole timeout and should receive ReceiveTimeout.</summary>
    private bool OnReceiveTimeoutTick(ReceiveTimeoutTick tick)
    {
        if (_receiveTimeout is not { } timeout || tick.Generation != _receiveTimeoutGeneration)
        {
            return false;
        }
        var now = _system.TimeProvider.GetUtcNow();
        var idle = now - _lastActivity;
        if (idle >= timeout)
        {
            _lastActivity = now;
            ArmReceiveTimeout();
            return true;
        }
        ArmReceiveTimeout();
        return false;
    }
}

internal sealed record ReceiveTimeoutTick(int Generation);
