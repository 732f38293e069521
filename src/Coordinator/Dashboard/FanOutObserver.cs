using ActorCodistill.Coordinator.Job;
using ActorCodistill.Workers.Actors;

namespace ActorCodistill.Coordinator.Dashboard;

/// <summary>
/// Hands every report of the coordinator to several observers in order (the run's recorder, then the dashboard). One
/// observer that throws does not keep the report from the others; the first exception is rethrown after all ran, as
/// the recorder's own failure (a full disk) must still reach the coordinator.
/// </summary>
public sealed class FanOutObserver(params IRunObserver[] observers) : IRunObserver
{
    public void OnStep(GroupStepCompleted step) => Each(o => o.OnStep(step));

    public void OnEvent(int group, long step, string message) => Each(o => o.OnEvent(group, step, message));

    public void OnBroadcast(int group, long checkpoints, long bytesSent) => Each(o => o.OnBroadcast(group, checkpoints, bytesSent));

    private void Each(Action<IRunObserver> report)
    {
        Exception? first = null;
        foreach (var observer in observers)
        {
            try
            {
                report(observer);
            }
            catch (Exception e)
            {
                first ??= e;
            }
        }
        if (first is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
    }
}
