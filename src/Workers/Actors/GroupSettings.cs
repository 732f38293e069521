using ActorCodistill.Workers.Training;

namespace ActorCodistill.Workers.Actors;

/// <summary>
/// The settings a group's steps run with that can change during a job (its teacher groups, the reload interval, the
/// distillation weight) and their schedule: a change waits for its step (<c>AtStep</c>, or the next step when none),
/// changes apply in arrival order, and a rollback to a recovery checkpoint re-runs the steps after it with the settings
/// they first ran with (the changes applied later wait for their steps again). One concern of the group, kept out of
/// <see cref="GroupActor"/>: no messages, no actors, just the bookkeeping, so it is tested on its own.
/// </summary>
public sealed class GroupSettings
{
    private readonly JobSpec _spec;
    // Changes waiting for their step, in arrival order.
    private readonly List<GroupReconfigure> _pending = new();
    // Every change applied, with the first step it governed.
    private readonly List<(long Step, GroupReconfigure Change)> _applied = new();
    private IReadOnlyList<int> _startTeachers = [];

    public GroupSettings(JobSpec spec)
    {
        _spec = spec;
        ReloadInterval = spec.ReloadInterval;
        Distill = spec.Distill;
    }

    public IReadOnlyList<int> TeacherGroups { get; private set; } = [];

    public long ReloadInterval { get; private set; }

    public DistillSpec Distill { get; private set; }

    /// <summary>The teacher groups the job started the group with (what a rollback past every change returns to).</summary>
    public void Start(IReadOnlyList<int> teachers) => TeacherGroups = _startTeachers = teachers;

    /// <summary>Whether a waiting change will make <paramref name="group"/> a teacher (its copies are worth keeping).</summary>
    public bool WillTeach(int group) => _pending.Any(c => c.TeacherGroups?.Contains(group) == true);

    /// <summary>
    /// Queues a change. One scheduled for a step that has already begun (<paramref name="planned"/>: this incarnation of
    /// the group has planned a step; changes before that are the job's history, replayed after a restart, never late)
    /// applies at the next step instead, and the returned text says so; null otherwise.
    /// </summary>
    public string? Schedule(GroupReconfigure change, bool planned, long step)
    {
        string? late = null;
        if (change.AtStep is { } at && planned && at <= step)
        {
            late = $"a change scheduled for step {at} arrived after that step had begun (step {step}); it applies at the next step" +
                   (_spec.ReloadMode == ReloadMode.Exact ? ", so this group switches later than the others and the run is no longer reproducible" : "");
            change = change with { AtStep = null };
        }
        _pending.Add(change);
        return late;
    }

    /// <summary>Applies the changes due at <paramref name="step"/>; one line per change applied, for the group's events.</summary>
    public IReadOnlyList<string> ApplyDue(long step)
    {
        var due = _pending.Where(c => c.AtStep is not { } at || at <= step).ToList();
        if (due.Count == 0) return [];
        _pending.RemoveAll(due.Contains);
        return due.Select(change =>
        {
            _applied.Add((step, change));
            return $"applied at step {step}: {Set(change)}";
        }).ToList();
    }

    /// <summary>
    /// Before re-running the steps after <paramref name="checkpointStep"/>: the changes first applied at a later step are
    /// undone and wait again for that step (ahead of the changes still waiting, which arrived after them). Returns the
    /// line for the group's events, or null when nothing was undone.
    /// </summary>
    public string? Rewind(long checkpointStep)
    {
        var undone = _applied.Where(a => a.Step > checkpointStep).ToList();
        if (undone.Count == 0) return null;
        _applied.RemoveAll(undone.Contains);
        TeacherGroups = _startTeachers;
        ReloadInterval = _spec.ReloadInterval;
        Distill = _spec.Distill;
        foreach (var (_, change) in _applied) Set(change);
        _pending.InsertRange(0, undone.Select(a => a.Change with { AtStep = a.Step }));
        return $"the changes applied at steps [{string.Join(",", undone.Select(a => a.Step))}] wait for those steps again";
    }

    private string Set(GroupReconfigure change)
    {
        var what = new List<string>();
        if (change.TeacherGroups is { } teachers)
        {
            TeacherGroups = teachers;
            what.Add($"teachers [{string.Join(",", teachers)}]");
        }
        if (change.ReloadInterval is { } interval)
        {
            ReloadInterval = interval;
            what.Add($"reload interval {interval}");
        }
        if (change.DistillWeight is { } weight)
        {
            Distill = Distill with { Weight = weight };
            what.Add($"distillation weight {weight}");
        }
        return string.Join(", ", what);
    }
}
