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

    /// <summary>The newest intact checkpoint of the group, or null; damaged ones are skipped and reported through <paramref name="onSkipped"/>.</summary>
    GroupCheckpoint? LoadLatest(int group, Action<string>? onSkipped = null);
}

/// <summary>Keeps the newest checkpoint per group in memory (tests; runs that need no restart of the process).</summary>
public sealed class InMemoryGroupCheckpoints : IGroupCheckpoints
{
    private readonly Dictionary<int, GroupCheckpoint> _latest = new();
    private readonly Lock _lock = new();

    public void Save(GroupCheckpoint checkpoint)
    {
        lock (_lock) _latest[checkpoint.Group] = checkpoint;
    }

    public GroupCheckpoint? LoadLatest(int group, Action<string>? onSkipped = null)
    {
        lock (_lock) return _latest.GetValueOrDefault(group);
    }
}
