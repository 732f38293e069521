using System.Diagnostics;
using ActorCodistill.Coordinator.Job;
using ActorCodistill.Workers.Actors;

namespace ActorCodistill.Coordinator.Dashboard;

/// <summary>
/// The dashboard's <see cref="IRunObserver"/>: turns the coordinator's reports into the live run's points, events and
/// broadcast totals. Runs on the coordinator's thread, so it only copies what it needs and returns.
/// </summary>
public sealed class LiveRunObserver(LiveRun live, TimeProvider? time = null) : IRunObserver
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public void OnStep(GroupStepCompleted step) =>
        live.AddPoint(new LivePoint(step.Group, step.Step, _clock.Elapsed.TotalSeconds, step.Losses.Loss, step.Losses.TaskLoss,
            step.Losses.DistillLoss, step.DistillOn, step.ExamplesPerSecond, new SortedDictionary<int, long>(step.TeacherAges.ToDictionary()),
            step.AllreduceBytes, step.ValidationLoss, step.Members));

    public void OnEvent(int group, long step, string message) =>
        live.AddEvent(new LiveEvent(group, step, _clock.Elapsed.TotalSeconds, _time.GetUtcNow(), EventCategories.Of(message), message));

    public void OnBroadcast(int group, long checkpoints, long bytesSent) => live.SetBroadcast(new BroadcastView(group, checkpoints, bytesSent));
}
