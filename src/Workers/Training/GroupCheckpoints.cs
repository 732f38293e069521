namespace ActorCodistill.Workers.Training;

/// <summary>
/// A group's recovery checkpoint: rank 0's weights and optimizer state after <paramref name="Step"/>, and by slot the
/// state each member's model carried between batches then (a recurrent model's hidden state of its own data
/// streams; empty arrays for a model that carries none). <paramref name="Carried"/> is null for a checkpoint written
/// before 2026-12-06, and misses a slot that was not in the ring at that step.
/// </summary>
public sealed record GroupCheckpoint(int Group, long Step, float[] Parameters, byte[] OptimizerState, IReadOnlyDictionary<int, float[]>? Carried = null);

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
