namespace ActorCodistill.Cluster.Actors;

/// <summary>Keyed timers of one actor. Starting a key again replaces its timer; all stop with the actor.</summary>
public interface ITimerScheduler
{
    void StartSingleTimer(object key, object message, TimeSpan delay);

    void StartPeriodicTimer(object key, object message, TimeSpan interval);

    void StartPeriodicTimer(object key, object message, TimeSpan initialDelay, TimeSpan interval);

    bool IsTimerActive(object key);

    void Cancel(object key);

    void CancelAll();
}

/// <summary>
/// Timer messages carry a generation so one already in the mailbox when its timer is cancelled or replaced
/// is dropped instead of delivered.
/// </summary>
internal sealed record TimerMessage(object Key, int Generation);

internal sealed class TimerScheduler(IScheduler scheduler, IActorRef self) : ITimerScheduler
{
    private readonly Dictionary<object, Timer> _timers = new();
    private int _generation;

    public void StartSingleTimer(object key, object message, TimeSpan delay) => Start(key, message, delay, null);

    public void StartPeriodicTimer(object key, object message, TimeSpan interval) =>
        Start(key, message, interval, interval);

    public void StartPeriodicTimer(object key, object message, TimeSpan initialDelay, TimeSpan interval) =>
        Start(key, message, initialDelay, interval);

    public bool IsTimerActive(object key) => _timers.ContainsKey(key);

    public void Cancel(object key)
    {
        if (_timers.Remove(key, out var timer))
        {
            timer.Task.Cancel();
        }
    }

    public void CancelAll()
    {
        foreach (var timer in _timers.Values)
        {
            timer.Task.Cancel();
        }
        _timers.Clear();
    }

    internal bool TryAccept(TimerMessage message, out object inner)
    {
        if (_timers.TryGetValue(message.Key, out var timer) && timer.Generation == message.Generation)
        {
            if (timer.Interval is null)
            {
                _timers.Remove(message.Key);
            }
            inner = timer.Message;
            return true;
        }
        inner = null!;
        return false;
    }

    private void Start(object key, object message, TimeSpan delay, TimeSpan? interval)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(message);
        Cancel(key);
        var generation = ++_generation;
        var tick = new TimerMessage(key, generation);
        var task = interval is { } every
            ? scheduler.ScheduleTellRepeatedly(delay, every, self, tick, null)
            : scheduler.ScheduleTellOnce(delay, self, tick, null);
        _timers[key] = new Timer(message, interval, generation, task);
    }

    private sealed record Timer(object Message, TimeSpan? Interval, int Generation, ICancelable Task);
}
