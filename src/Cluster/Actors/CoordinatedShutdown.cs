namespace ActorCodistill.Cluster.Actors;

/// <summary>
/// Ordered named phases; the tasks of one phase run concurrently and the next phase starts when they finish or
/// the phase timeout (on the system's TimeProvider) passes. Run is idempotent: later calls return the first run.
/// The last phase terminates the actor system.
/// </summary>
public sealed class CoordinatedShutdown
{
    public const string PhaseBeforeServiceUnbind = "before-service-unbind";
    public const string PhaseServiceUnbind = "service-unbind";
    public const string PhaseServiceRequestsDone = "service-requests-done";
    public const string PhaseServiceStop = "service-stop";
    public const string PhaseBeforeClusterShutdown = "before-cluster-shutdown";
    public const string PhaseClusterShardingShutdownRegion = "cluster-sharding-shutdown-region";
    public const string PhaseClusterLeave = "cluster-leave";
    public const string PhaseClusterExiting = "cluster-exiting";
    public const string PhaseClusterExitingDone = "cluster-exiting-done";
    public const string PhaseClusterShutdown = "cluster-shutdown";
    public const string PhaseBeforeActorSystemTerminate = "before-actor-system-terminate";
    public const string PhaseActorSystemTerminate = "actor-system-terminate";

    public static IReadOnlyList<string> OrderedPhases { get; } =
    [
        PhaseBeforeServiceUnbind, PhaseServiceUnbind, PhaseServiceRequestsDone, PhaseServiceStop,
        PhaseBeforeClusterShutdown, PhaseClusterShardingShutdownRegion, PhaseClusterLeave, PhaseClusterExiting,
        PhaseClusterExitingDone, PhaseClusterShutdown, PhaseBeforeActorSystemTerminate, PhaseActorSystemTerminate,
    ];

    private readonly ActorSystem _system;
    private readonly object _lock = new();
    private readonly Dictionary<string, List<(string Name, Func<Task> Task)>> _tasks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TimeSpan> _timeouts = new(StringComparer.Ordinal);
    private Task? _run;

    internal CoordinatedShutdown(ActorSystem system)
    {
        _system = system;
        foreach (var phase in OrderedPhases)
        {
            _tasks[phase] = new();
        }
    }

    public Reason? ShutdownReason { get; private set; }

    public void AddTask(string phase, string taskName, Func<Task> task)
    {
        ArgumentNullException.ThrowIfNull(taskName);
        ArgumentNullException.ThrowIfNull(task);
        lock (_lock)
        {
            Phase(phase).Add((taskName, task));
        }
    }

    public void SetPhaseTimeout(string phase, TimeSpan timeout)
    {
        lock (_lock)
        {
            _ = Phase(phase);
            _timeouts[phase] = timeout;
        }
    }

    public Task Run(Reason reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        lock (_lock)
        {
            if (_run is not null)
            {
                return _run;
            }
            ShutdownReason = reason;
            _system.Log.Info($"Coordinated shutdown: {reason}.");
            _run = Task.Run(RunPhasesAsync);
            return _run;
        }
    }

    private async Task RunPhasesAsync()
    {
        foreach (var phase in OrderedPhases)
        {
            (string Name, Func<Task> Task)[] tasks;
            TimeSpan timeout;
            lock (_lock)
            {
                tasks = _tasks[phase].ToArray();
                timeout = _timeouts.TryGetValue(phase, out var t) ? t : _system.Settings.ShutdownPhaseTimeout;
            }
            if (tasks.Length == 0)
            {
                continue;
            }
            var running = tasks.Select(t => (t.Name, Task: Start(t.Task))).ToArray();
            try
            {
                await Task.WhenAll(running.Select(r => r.Task)).WaitAsync(timeout, _system.TimeProvider)
                    .ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                var late = string.Join(", ", running.Where(r => !r.Task.IsCompleted).Select(r => r.Name));
                _system.Log.Warning($"Shutdown phase '{phase}' timed out after {timeout}; still running: {late}.");
            }
            catch (Exception e)
            {
                var failed = string.Join(", ", running.Where(r => r.Task.IsFaulted).Select(r => r.Name));
                _system.Log.Error(e, $"Shutdown phase '{phase}': task(s) {failed} failed; continuing.");
            }
        }
        await _system.FinalTerminate().ConfigureAwait(false);
    }

    private static Task Start(Func<Task> task)
    {
        try
        {
            return task() ?? Task.CompletedTask;
        }
        catch (Exception e)
        {
            return Task.FromException(e);
        }
    }

    private List<(string, Func<Task>)> Phase(string phase) =>
        _tasks.TryGetValue(phase ?? "", out var list)
            ? list
            : throw new ArgumentException(
                $"Unknown shutdown phase '{phase}' (known: {string.Join(", ", OrderedPhases)}).", nameof(phase));

    public abstract record Reason;

    public sealed record UnknownReason : Reason;

    public sealed record ActorSystemTerminateReason : Reason;

    public sealed record ClusterLeavingReason : Reason;

    public sealed record ClrExitReason : Reason;
}
