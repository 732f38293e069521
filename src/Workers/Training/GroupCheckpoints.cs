namespace ActorCodistill.Workers.Training;

/// <summary>
/// A group's recovery checkpoint: rank 0's weights and optimizer state after <paramref name="Step"/>; by slot, what each
/// member needs besides to go on exactly from there (the state its model carried between batches, which belongs to its
/// own data streams, and its teacher replicas); and the teacher copies the group held then, with those that had arrived
/// for later boundaries. <paramref name="Members"/> and <paramref name="Copies"/> are null in a checkpoint written before
/// 2026-12-06; a slot not in the ring at that step is missing.
/// </summary>
public sealed record GroupCheckpoint(int Group, long Step, float[] Parameters, byte[] OptimizerState,
    IReadOnlyDictionary<int, MemberRecovery>? Members = null, IReadOnlyList<TeacherCheckpoint>? Copies = null);

/// <summary>
/// Where groups keep recovery checkpoints. A group that lost every worker, or a job recovered after the seed
/// restarted, resumes from the newest intact one.
/// </summary>
public interface IGroupCheckpoints
{
    void Save(GroupCheckpoint checkpoint);

    /// <summary>
    /// The newest intact checkpoint of the group (of a step at most <paramref name="atMost"/> when given), or null; damaged
    /// ones are skipped and reported through <paramref name="onSkipped"/>.
    /// </summary>
    GroupCheckpoint? LoadLatest(int group, Action<string>? onSkipped = null, long? atMost = null);

    /// <summary>The steps of the group's checkpoints kept, newest first (damaged ones included: only a load checks them).</summary>
    IReadOnlyList<long> Steps(int group);

    /// <summary>
    /// The steps of the group's checkpoints that load (checksum and layout verified, as <see cref="LoadLatest"/> does),
    /// newest first; each damaged one is reported through <paramref name="onDamaged"/> ("path: reason"). Reads every file.
    /// </summary>
    IReadOnlyList<long> IntactSteps(int group, Action<string>? onDamaged = null);
}

/// <summary>Keeps the newest <paramref name="keep"/> checkpoints per group in memory (tests; runs that need no restart of the process).</summary>
public sealed class InMemoryGroupCheckpoints(int keep = 3) : IGroupCheckpoints
{
    private readonly Dictionary<int, SortedDictionary<long, GroupCheckpoint>> _kept = new();
    private readonly Lock _lock = new();

    public void Save(GroupCheckpoint checkpoint)
    {
        lock (_lock)
        {
            if (!_kept.TryGetValue(checkpoint.Group, out var kept)) _kept[checkpoint.Group] = kept = new SortedDictionary<long, GroupCheckpoint>();
            kept[checkpoint.Step] = checkpoint;
            while (kept.Count > Math.Max(1, keep)) kept.Remove(kept.Keys.First());
        }
    }

    public GroupCheckpoint? LoadLatest(int group, Action<string>? onSkipped = null, long? atMost = null)
    {
        lock (_lock)
            return _kept.TryGetValue(group, out var kept) ? kept.Values.LastOrDefault(c => !(c.Step > atMost)) : null;
    }

    public IReadOnlyList<long> Steps(int group)
    {
        lock (_lock) return _kept.TryGetValue(group, out var kept) ? kept.Keys.Reverse().ToList() : [];
    }

    // Nothing in memory is damaged.
    public IReadOnlyList<long> IntactSteps(int group, Action<string>? onDamaged = null) => Steps(group);
}
