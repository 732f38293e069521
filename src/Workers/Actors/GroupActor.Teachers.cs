using Akka.Actor;
using Akka.Event;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Workers.Actors;

/// <summary>Teacher copies at the members: sending them to new members and on request, and reload-mode exact's wait for the copies a boundary needs.</summary>
public sealed partial class GroupActor
{
    private void OnTeacherCopiesMissing(TeacherCopiesMissing missing)
    {
        if (!IsMember(missing.Slot) || missing.Generation != _generation[missing.Slot] || missing.Epoch != _epoch ||
            _inFlight is null || missing.Step != _inFlight.Step)
            return;
        foreach (var g in missing.Groups)
            if (_copies.Loaded.TryGetValue(g, out var c) && _inFlight.TeacherSteps.TryGetValue(g, out var step) && c.Step == step)
                Context.TellTensor(_members[missing.Slot]!, new LoadTeacher(c));
    }

    private void SendTeachersToNewMembers()
    {
        // Members admitted fresh (or all, after a regroup) hold no teacher copies yet; the others keep theirs.
        foreach (var s in _ringSlots)
            if (!_teacherHolders.Contains(s))
            {
                foreach (var c in _copies.Loaded.Values) Context.TellTensor(_members[s]!, new LoadTeacher(c));
                _teacherHolders.Add(s);
            }
    }

    private readonly HashSet<int> _teacherHolders = new();

    private static Half[] ToHalf(float[] values)
    {
        var half = new Half[values.Length];
        for (var i = 0; i < values.Length; i++) half[i] = (Half)values[i];
        return half;
    }

    // How long a boundary waits for copies before it warns: a wait of a teacher's step or two is routine, one of
    // seconds is not (10 s; a quarter of the step-timeout when that is shorter).
    private TimeSpan CopiesWarningAfter =>
        TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(10).Ticks, _failures.StepTimeout.Ticks / 4));

    private void StopAwaitingCopies()
    {
        Timers.Cancel("copies");
        Timers.Cancel("copies-warning");
        _awaitingCopiesFor = 0;
    }

    // reload-mode exact, a boundary whose copies did not come (or never will): the newest copies serve, and the run says
    // it is no longer reproducible.
    private void LoadNewestCopiesInstead(string why)
    {
        StopAwaitingCopies();
        Report($"{why}; loading the newest copies instead (reload-mode exact: this run is no longer reproducible)", warning: true);
        _exactFallbackAt = _step;
        BeginStep();
    }

    // The missing copies that can still come: a group's copies arrive in the order it sent them (in-process, and per
    // node pair on the bulk channel), so once a later copy of a teacher group has arrived, the one of the step before the
    // boundary never will (the teacher resumed, or loaded, further on than this group; or it was not a reader then).
    private List<int> ExactCopiesAwaited() =>
        ExactCopiesMissing().Where(g => !(_copies.NewestArrived(g) is { } newest && newest > _step - 1)).ToList();

    private string CopiesThatWillNotCome()
    {
        var missing = ExactCopiesMissing();
        return $"the teacher copies of step {_step - 1} from group(s) [{string.Join(",", missing)}] will not come: " +
               string.Join(", ", missing.Select(g => $"group {g} has already sent its copy of step {_copies.NewestArrived(g)}")) +
               " (it is further on than this group)";
    }

    private string NewestCopyHere(int group) =>
        _copies.NewestArrived(group) is { } newest ? $"group {group}'s newest copy here is of step {newest}" : $"group {group} has sent none yet";

    // A distillation job's exact boundary after the first export (step s with (s-1) % K == 0 and s > K): the teacher
    // groups whose copy of step s - 1 has not arrived. Empty in reload-mode newest, and after a resume (the members
    // hold no copies then; they load the first that arrives, as in newest mode).
    private List<int> ExactCopiesMissing()
    {
        if (_spec.ReloadMode != ReloadMode.Exact || _spec.Baseline || _spec.Groups < 2 || _resumedAt > 0 ||
            _step <= _settings.ReloadInterval || (_step - 1) % _settings.ReloadInterval != 0)
            return [];
        return _copies.MissingAt(_step, _settings.TeacherGroups);
    }
}
