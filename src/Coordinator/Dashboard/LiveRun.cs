namespace ActorCodistill.Coordinator.Dashboard;

/// <summary>Where a page is in the live run: how much of each list it has, and which versions of the rest.</summary>
public record struct LiveCursor(int Points, int Events, long Status, long Broadcast, long Members, bool Finished);

/// <summary>
/// The live run as the dashboard serves it: every group step and event so far (append-only), and the latest status,
/// broadcast totals and members. Written from the coordinator's thread (through <see cref="LiveRunObserver"/>) and the
/// status poller, read by every connected page; one lock, held only to copy references, so the coordinator never waits
/// on a page. <see cref="Changed"/> completes at the next write, which is how a page's stream learns there is news.
/// </summary>
/// <remarks>Holds every step of the run (about 150 bytes each: 100,000 steps of 4 groups is ~60 MB). A run far longer than
/// that would want the points thinned as they age; the demo's runs are a few thousand.</remarks>
public sealed class LiveRun(RunView run, bool changesAllowed)
{
    private readonly object _gate = new();
    private readonly List<LivePoint> _points = [];
    private readonly List<LiveEvent> _events = [];
    private readonly SortedDictionary<int, BroadcastView> _broadcast = [];
    private StatusView? _status;
    private IReadOnlyList<ClusterMember> _members = [];
    private long _statusVersion, _broadcastVersion, _membersVersion;
    private bool _finished;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public RunView Run { get; } = run;
    public bool ChangesAllowed { get; } = changesAllowed;

    /// <summary>Completes at the next write after it was read.</summary>
    public Task Changed
    {
        get
        {
            lock (_gate) return _changed.Task;
        }
    }

    public void AddPoint(LivePoint point) => Write(() => _points.Add(point));

    public void AddEvent(LiveEvent e) => Write(() => _events.Add(e));

    public void SetBroadcast(BroadcastView totals) => Write(() =>
    {
        _broadcast[totals.Group] = totals;
        _broadcastVersion++;
    });

    public void SetStatus(StatusView status) => Write(() =>
    {
        _status = status;
        _statusVersion++;
    });

    /// <summary>The last status the coordinator gave, kept, with why the latest request failed.</summary>
    public void StatusFailed(string error) => Write(() =>
    {
        _status = _status is null ? null : _status with { Error = error, Utc = DateTimeOffset.UtcNow };
        _statusVersion++;
    });

    public void SetMembers(IReadOnlyList<ClusterMember> members) => Write(() =>
    {
        _members = members;
        _membersVersion++;
    });

    /// <summary>The run has ended: pages say so, and their streams close after telling them.</summary>
    public void MarkFinished() => Write(() => _finished = true);

    public StatusView? Status
    {
        get
        {
            lock (_gate) return _status;
        }
    }

    public int PointCount
    {
        get
        {
            lock (_gate) return _points.Count;
        }
    }

    public LiveSnapshot Snapshot(out LiveCursor cursor)
    {
        lock (_gate)
        {
            cursor = new LiveCursor(_points.Count, _events.Count, _statusVersion, _broadcastVersion, _membersVersion, _finished);
            return new LiveSnapshot(Run, _status, _points.ToArray(), _events.ToArray(), _broadcast.Values.ToArray(), _members, ChangesAllowed, _finished);
        }
    }

    /// <summary>What is new since <paramref name="cursor"/> (which moves on), or null when nothing is.</summary>
    public LiveUpdate? Since(ref LiveCursor cursor)
    {
        lock (_gate)
        {
            var next = new LiveCursor(_points.Count, _events.Count, _statusVersion, _broadcastVersion, _membersVersion, _finished);
            if (next == cursor) return null;
            var update = new LiveUpdate(
                _points.GetRange(cursor.Points, _points.Count - cursor.Points),
                _events.GetRange(cursor.Events, _events.Count - cursor.Events),
                next.Status != cursor.Status ? _status : null,
                next.Broadcast != cursor.Broadcast ? _broadcast.Values.ToArray() : null,
                next.Members != cursor.Members ? _members : null,
                _finished);
            cursor = next;
            return update;
        }
    }

    private void Write(Action change)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            change();
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }
}
