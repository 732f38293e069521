using ActorCodistill.Workers.Actors;

namespace ActorCodistill.Coordinator.Job;

/// <summary>Where the coordinator reports progress: metrics files, the console, tests. Called on the coordinator's thread.</summary>
public interface IRunObserver
{
    void OnStep(GroupStepCompleted step);
    void OnEvent(int group, long step, string message);

    /// <summary>A group's broadcaster sent its teacher copies: its totals so far (the bytes between groups).</summary>
    void OnBroadcast(int group, long checkpoints, long bytesSent) { }
}

public sealed class NullRunObserver : IRunObserver
{
    public static NullRunObserver Instance { get; } = new();
    public void OnStep(GroupStepCompleted step) { }
    public void OnEvent(int group, long step, string message) { }
}
