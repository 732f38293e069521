using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.Configuration;
using ActorCodistill.Workers.Actors;
using ActorCodistill.Workers.Training;
using Microsoft.Extensions.Configuration;

namespace ActorCodistill.Coordinator.Embedded;

/// <summary>
/// Where a run's actors live: the only thing that differs between the embedded run and a cluster's seed.
/// Everything else (data, run folder, journal, checkpoints, progress, summary) is <see cref="TrainCommand"/>'s.
/// </summary>
public interface IJobHosting
{
    ActorSystem StartSystem(IConfiguration config, TextWriter console);

    /// <summary>Starts the job; returns the ref that takes <see cref="Job.StopJob"/> and the other coordinator messages.</summary>
    /// <param name="jobId">The run id: what status and logs call the job.</param>
    /// <param name="coordinatorProps">The coordinator's props for a worker placement (null = workers are children of their groups).</param>
    IActorRef StartJob(ActorSystem system, SettingsReader config, string jobId, JobSpec spec, Func<IWorkerPlacement?, Props> coordinatorProps);

    void StopSystem(ActorSystem system);
}

/// <summary>Everything in this process on the in-memory transport.</summary>
public sealed class EmbeddedHosting : IJobHosting
{
    public static EmbeddedHosting Instance { get; } = new();

    public ActorSystem StartSystem(IConfiguration config, TextWriter console) =>
        ActorSystem.Create("codistill", Cluster.Configuration.ActorSystemSettings.From(config).ToRuntime());

    public IActorRef StartJob(ActorSystem system, SettingsReader config, string jobId, JobSpec spec, Func<IWorkerPlacement?, Props> coordinatorProps) =>
        system.ActorOf(coordinatorProps(null), "coordinator");

    public void StopSystem(ActorSystem system) => system.Terminate().Wait(TimeSpan.FromSeconds(30));
}
