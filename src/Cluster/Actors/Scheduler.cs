namespace ActorCodistill.Cluster.Actors;

public interface ICancelable
{
    void Cancel();

    bool IsCancellationRequested { get; }
}

/// <summary>Runs short actions (usually a Tell) at times of the system's TimeProvider.</summary>
public interface IScheduler
{
    DateTimeOffset Now { get; }

    ICancelable ScheduleOnce(TimeSpan delay, Action action);

    ICancelable ScheduleRepeatedly(TimeSpan initialDelay, TimeSpan interval, Action action);

    ICancelable ScheduleTellOnce(TimeSpan delay, IActorRef receiver, object message, IActorRef? sender);

    ICancelable ScheduleTellRepeatedly(TimeSpan initialDelay, TimeSpan interval, IActorRef receiver, object message,
        IActorRef? sender);
}

/// <summary>
/// A dedicated thread with a due-time queue, so busy actors on the thread pool cannot starve timers and
/// heartbeats. With <see cref="TimeProvider.System"/> it waits on a wait handle; with any other provider
/// (a fake clock) it asks that provider for a wake-up timer, so advancing the fake clock fires what is due.
/// Periodic entries are re-queued at due + interval (no drift), so advancing n intervals fires n times.
/// </summary>
internal sealed class DedicatedThreadScheduler : IScheduler, IDisposable
{
    private readonly TimeProvider _time;
    private readonly Action<Exception> _onError;
    private readonly object _lock = new();
    private readonly PriorityQueue<Entry, (DateTimeOffset Due, long Seq)> _queue = new();
    private readonly AutoResetEvent _wake = new(false);
    private readonly Thread _thread;
    private readonly bool _realTime;
    private long _seq;
    private volatile bool _stopped;
    private ITimer? _wakeTimer;

    public DedicatedThreadScheduler(TimeProvider time, string systemName, Action<Exception> onError)
    {
        _time = time;
        _onError = onError;
        _realTime = ReferenceEquals(time, TimeProvider.System);
        _thread = new Thread(Loop) { IsBackground = true, Name = $"scheduler {systemName}" };
        _thread.Start();
    }

    public DateTimeOffset Now => _time.GetUtcNow();

    public ICancelable ScheduleOnce(TimeSpan delay, Action action) => Add(delay, null, action);

    public ICancelable ScheduleRepeatedly(TimeSpan initialDelay, TimeSpan interval, Action action)
    {
        if (interval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), interval, "Interval must be positive.");
        }
        return Add(initialDelay, interval, action);
    }

    public ICancelable ScheduleTellOnce(TimeSpan delay, IActorRef receiver, object message, IActorRef? sender) =>
        ScheduleOnce(delay, () => receiver.Tell(message, sender));

    public ICancelable ScheduleTellRepeatedly(TimeSpan initialDelay, TimeSpan interval, IActorRef receiver,
        object message, IActorRef? sender) =>
        ScheduleRepeatedly(initialDelay, interval, () => receiver.Tell(message, sender));

    /// <summary>Fires at an absolute time of the TimeProvider (at once if it has passed).</summary>
    internal ICancelable ScheduleAt(DateTimeOffset due, Action action) => Add(due, null, action);

    private Entry Add(TimeSpan delay, TimeSpan? interval, Action action) =>
        Add(_time.GetUtcNow() + (delay < TimeSpan.Zero ? TimeSpan.Zero : delay), interval, action);

    private Entry Add(DateTimeOffset due, TimeSpan? interval, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        var entry = new Entry(action, interval) { Due = due };
        lock (_lock)
        {
            _queue.Enqueue(entry, (entry.Due, _seq++));
        }
        _wake.Set();
        return entry;
    }

    private void Loop()
    {
        var due = new List<Entry>();
        while (!_stopped)
        {
            DateTimeOffset now;
            TimeSpan? wait = null;
            lock (_lock)
            {
                now = _time.GetUtcNow();
                while (_queue.TryPeek(out var entry, out var key) && key.Due <= now)
                {
                    _queue.Dequeue();
                    if (!entry.IsCancellationRequested)
                    {
                        due.Add(entry);
                    }
                }
                if (due.Count == 0 && _queue.TryPeek(out _, out var next))
                {
                    wait = next.Due - now;
                }
            }
            if (due.Count > 0)
            {
                foreach (var entry in due)
                {
                    Fire(entry);
                }
                due.Clear();
                continue;
            }
            WaitFor(wait, now);
        }
    }

    private void Fire(Entry entry)
    {
        try
        {
            entry.Action();
        }
        catch (Exception e)
        {
            _onError(e);
        }
        if (entry.Interval is { } interval && !entry.IsCancellationRequested)
        {
            lock (_lock)
            {
                entry.Due += interval;
                _queue.Enqueue(entry, (entry.Due, _seq++));
            }
        }
    }

    private void WaitFor(TimeSpan? wait, DateTimeOffset now)
    {
        if (_realTime)
        {
            var ms = wait is { } w ? (int)Math.Clamp(Math.Ceiling(w.TotalMilliseconds), 1, int.MaxValue) : Timeout.Infinite;
            _wake.WaitOne(ms);
            return;
        }
        _wakeTimer?.Dispose();
        _wakeTimer = null;
        if (wait is { } delay)
        {
            _wakeTimer = _time.CreateTimer(static s => ((AutoResetEvent)s!).Set(), _wake, delay, Timeout.InfiniteTimeSpan);
            // The fake clock may have moved between reading `now` and arming the timer; look again instead of
            // sleeping past a due entry.
            if (_time.GetUtcNow() != now)
            {
                return;
            }
        }
        _wake.WaitOne();
    }

    public void Dispose()
    {
        _stopped = true;
        _wake.Set();
        if (Thread.CurrentThread != _thread)
        {
            _thread.Join(TimeSpan.FromSeconds(5));
        }
        _wakeTimer?.Dispose();
    }

    private sealed class Entry(Action action, TimeSpan? interval) : ICancelable
    {
        private volatile bool _cancelled;

        public Action Action { get; } = action;

        public TimeSpan? Interval { get; } = interval;

        public DateTimeOffset Due { get; set; }

        public bool IsCancellationRequested => _cancelled;

        public void Cancel() => _cancelled = true;
    }
}
