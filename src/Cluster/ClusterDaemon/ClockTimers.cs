using ActorCodistill.Cluster.Actors;

namespace ActorCodistill.Cluster.ClusterDaemon;

/// <summary>
/// Keyed periodic timers on the cluster's injected clock (which may differ from the actor system's, so tests drive
/// membership time alone with a manual clock while the transport keeps real time). Dispose in PostStop.
/// </summary>
internal sealed class ClockTimers(TimeProvider clock, IActorRef self) : IDisposable
{
    private readonly Dictionary<object, ITimer> _timers = [];

    public void StartPeriodic(object key, object message, TimeSpan interval)
    {
        Cancel(key);
        _timers[key] = clock.CreateTimer(static s => ((Action)s!)(), (Action)(() => self.Tell(message)), interval, interval);
    }

    public void Cancel(object key)
    {
        if (_timers.Remove(key, out var timer)) timer.Dispose();
    }

    public void Dispose()
    {
        foreach (var timer in _timers.Values) timer.Dispose();
        _timers.Clear();
    }
}
