using ActorCodistill.Workers.Training;

namespace ActorCodistill.Workers.Actors;

/// <summary>
/// A group's teacher copies: the newest that has arrived from each teacher group, the ones its members hold (loaded),
/// and, in reload-mode exact, every copy newer than the loaded one kept by step (a teacher group runs at most about one
/// reload interval ahead, since it waits for this group's copies at its own boundaries). With recovery checkpoints it
/// also keeps every copy loaded since the newest checkpoint, so a rollback re-loads at each re-run boundary the copy it
/// loaded the first time, though the teacher group has long sent it. One concern of the group, kept out of
/// <see cref="GroupActor"/>, which decides when boundaries are and tells the members what to load.
/// </summary>
public sealed class TeacherCopies(bool exact, bool keepSinceCheckpoint)
{
    private readonly Dictionary<int, TeacherCheckpoint> _arrived = new();
    private readonly Dictionary<int, TeacherCheckpoint> _loaded = new();
    private readonly Dictionary<int, SortedDictionary<long, TeacherCheckpoint>> _kept = new();
    private readonly Dictionary<int, SortedDictionary<long, TeacherCheckpoint>> _loadedSinceCheckpoint = new();

    private TeacherCheckpoint? _fixed;

    /// <summary>A copy held from the start and never replaced (two-phase distillation's trained teacher).</summary>
    public void Fix(TeacherCheckpoint copy)
    {
        _fixed = copy;
        _loaded[copy.Group] = copy;
    }

    /// <summary>The copies the members hold, by teacher group.</summary>
    public IReadOnlyDictionary<int, TeacherCheckpoint> Loaded => _loaded;

    /// <summary>A copy came from a teacher group.</summary>
    public void Arrive(TeacherCheckpoint copy)
    {
        if (!_arrived.TryGetValue(copy.Group, out var old) || old.Step < copy.Step) _arrived[copy.Group] = copy;
        if (!exact) return;
        if (!_loaded.TryGetValue(copy.Group, out var held) || held.Step < copy.Step) Keep(copy);
    }

    /// <summary>The step of the newest copy that has arrived from <paramref name="group"/>, or null.</summary>
    public long? NewestArrived(int group) => _arrived.TryGetValue(group, out var c) ? c.Step : null;

    /// <summary>The teacher groups whose copy of the step before <paramref name="boundary"/> is neither kept nor held.</summary>
    public List<int> MissingAt(long boundary, IEnumerable<int> teachers) =>
        teachers.Where(g => !(_kept.TryGetValue(g, out var kept) && kept.ContainsKey(boundary - 1)) &&
                            !(_loaded.TryGetValue(g, out var held) && held.Step == boundary - 1)).ToList();

    /// <summary>
    /// At a reload boundary: per teacher group, the copy of the step before it when kept, else (when
    /// <paramref name="newestServes"/>) the newest that arrived, if newer than the one held. Returns the copies newly
    /// loaded, in teacher order, for the members to load; copies kept for steps up to a loaded one are let go.
    /// </summary>
    public List<TeacherCheckpoint> LoadAtBoundary(long boundary, IEnumerable<int> teachers, bool newestServes)
    {
        var loaded = new List<TeacherCheckpoint>();
        foreach (var g in teachers)
        {
            var c = _kept.TryGetValue(g, out var kept) && kept.TryGetValue(boundary - 1, out var exactCopy) ? exactCopy
                : newestServes ? _arrived.GetValueOrDefault(g) : null;
            if (c is not null && (!_loaded.TryGetValue(g, out var held) || held.Step < c.Step))
            {
                _loaded[g] = c;
                if (keepSinceCheckpoint)
                {
                    if (!_loadedSinceCheckpoint.TryGetValue(g, out var since)) _loadedSinceCheckpoint[g] = since = new SortedDictionary<long, TeacherCheckpoint>();
                    since[c.Step] = c;
                }
                loaded.Add(c);
            }
            if (kept is not null && _loaded.TryGetValue(g, out var now))
                foreach (var old in kept.Keys.Where(step => step <= now.Step).ToList()) kept.Remove(old);
        }
        return loaded;
    }

    /// <summary>
    /// Groups that no longer teach stop being held; their kept copies go too, unless <paramref name="willTeach"/> (a
    /// change scheduled to make it a teacher at a later step).
    /// </summary>
    public void KeepOnly(IReadOnlyList<int> teachers, Func<int, bool> willTeach)
    {
        foreach (var g in _loaded.Keys.Where(g => !teachers.Contains(g)).ToList()) _loaded.Remove(g);
        foreach (var g in _kept.Keys.Where(g => !teachers.Contains(g) && !willTeach(g)).ToList()) _kept.Remove(g);
    }

    /// <summary>What a recovery checkpoint of now saves: the copies held, and those kept for later boundaries.</summary>
    public List<TeacherCheckpoint> ForCheckpoint() => _loaded.Values.Concat(_kept.Values.SelectMany(k => k.Values)).ToList();

    /// <summary>A checkpoint holding <paramref name="copies"/> was saved: copies loaded before those are not needed again.</summary>
    public void Checkpointed(IReadOnlyList<TeacherCheckpoint> copies)
    {
        foreach (var (g, since) in _loadedSinceCheckpoint)
        {
            var heldStep = copies.Where(c => c.Group == g).Select(c => c.Step).DefaultIfEmpty(long.MaxValue).Min();
            foreach (var step in since.Keys.Where(s => s < heldStep).ToList()) since.Remove(step);
        }
    }

    /// <summary>
    /// After a restore from <paramref name="checkpoint"/>: the group holds the copies its members held at that step
    /// again, and keeps the later ones it had (the checkpoint's, and those loaded since) for the boundaries it re-runs.
    /// False for a checkpoint that did not keep them (written before 2026-12-06).
    /// </summary>
    public bool Restore(GroupCheckpoint checkpoint)
    {
        var held = checkpoint.Members?.Values.Select(m => m.Teachers).FirstOrDefault(t => t is not null);
        if (held is null || checkpoint.Copies is null) return false;
        var later = checkpoint.Copies.Concat(_loadedSinceCheckpoint.Values.SelectMany(h => h.Values)).Concat(_loaded.Values).ToList();
        _loaded.Clear();
        foreach (var (g, carry) in held.ByGroup)
            if (checkpoint.Copies.FirstOrDefault(c => c.Group == g && c.Step == carry.CopyStep) is { } copy)
                _loaded[g] = copy;
        foreach (var copy in later)
            if (!_loaded.TryGetValue(copy.Group, out var loaded) || copy.Step > loaded.Step)
                Keep(copy);
        if (_fixed is not null) _loaded[_fixed.Group] = _fixed;
        return true;
    }

    private void Keep(TeacherCheckpoint copy)
    {
        if (!_kept.TryGetValue(copy.Group, out var kept)) _kept[copy.Group] = kept = new SortedDictionary<long, TeacherCheckpoint>();
        kept[copy.Step] = copy;
    }
}
