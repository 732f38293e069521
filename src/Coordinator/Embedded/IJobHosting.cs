using ActorCodistill.Cluster.Bootstrap;
using ActorCodistill.Cluster.Configuration;
using ActorCodistill.Cluster.DataPlane;
using ActorCodistill.Workers.Remote;
using Akka.Actor;
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
    /// <param name="akka">More Akka configuration for the system (the job journal's persistence plugin).</param>
    ActorSystem StartSystem(IConfiguration config, TextWriter console, Akka.Configuration.Config? akka = null);

    /// <summary>Starts the job; returns the ref that takes <see cref="Job.StopJob"/> and the other coordinator messages.</summary>
    /// <param name="jobId">The run id: what status and logs call the job.</param>
    /// <param name="coordinatorProps">The coordinator's props for a worker placement (null = workers are children of their groups).</param>
    IActorRef StartJob(ActorSystem system, SettingsReader config, string jobId, JobSpec spec, Func<IWorkerPlacement?, Props> coordinatorProps);

    void StopSystem(ActorSystem system);

    /// <summary>The members the dashboard lists: this process for the embedded run, the cluster's for a seed.</summary>
    Dashboard.IClusterView ClusterView(JobSpec spec);
}

/// <summary>
/// Everything in this process: an ActorSystem with <c>akka.actor.provider = local</c> (no port is opened) and the data
/// plane in local mode, so the actors send tensors the same way as on a cluster.
/// </summary>
public sealed class EmbeddedHosting : IJobHosting
{
    public static EmbeddedHosting Instance { get; } = new();

    public ActorSystem StartSystem(IConfiguration config, TextWriter console, Akka.Configuration.Config? akka = null) =>
        Start("codistill", ActorSystemSettings.From(config), AkkaSettings.OnTop(AkkaSettings.UserSection(config), akka));

    /// <summary>A process-local ActorSystem as the embedded run has it (the pinned dispatcher, the product's logger, a local data plane).</summary>
    public static ActorSystem Start(string name, ActorSystemSettings? actor = null, Akka.Configuration.Config? akka = null)
    {
        var system = AkkaNode.Start(AkkaSettings.Local(name, actor) with { Extra = akka });
        DataPlane.StartLocal(system, TrainingSerializers.Codecs());
        return system;
    }

    public IActorRef StartJob(ActorSystem system, SettingsReader config, string jobId, JobSpec spec, Func<IWorkerPlacement?, Props> coordinatorProps) =>
        system.ActorOf(coordinatorProps(null), "coordinator");

    public void StopSystem(ActorSystem system) => system.Terminate().Wait(TimeSpan.FromSeconds(30));

    public Dashboard.IClusterView ClusterView(JobSpec spec) => new Dashboard.LocalProcessView(spec.Groups, spec.WorkersPerGroup);
}
