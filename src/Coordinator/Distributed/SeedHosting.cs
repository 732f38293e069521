using Akka.Actor;
using Akka.Event;
using ActorCodistill.Cluster.Configuration;
using ActorCodistill.Coordinator.Embedded;
using ActorCodistill.Workers.Actors;
using ActorCodistill.Workers.Node;
using ActorCodistill.Workers.Training;
using Microsoft.Extensions.Configuration;

namespace ActorCodistill.Coordinator.Distributed;

/// <summary>
/// A cluster's seed: an Akka.Cluster node with the <c>seed</c> role and TLS from the cluster secret, its data plane, and the job at
/// <c>/user/job</c>, which starts the coordinator once worker nodes offer <c>cluster-job.min-workers</c> slots.
/// Groups, broadcasters and the coordinator run here; workers run on worker nodes.
/// </summary>
public sealed class SeedHosting(string? hostname = null, int? port = null, IReadOnlyList<string>? seeds = null) : IJobHosting
{
    public const string JobActorName = "job";

    private ClusterNode? _node;
    private readonly AkkaClusterView _view = new();

    /// <summary>The running node (after <see cref="StartSystem"/>).</summary>
    public ClusterNode Node => _node ?? throw new InvalidOperationException("the seed is not started");

    public ActorSystem StartSystem(IConfiguration config, TextWriter console, Akka.Configuration.Config? akka = null)
    {
        var seedList = seeds;
        var node = ClusterNode.Start(new NodeOptions(config, ["seed"], [], seedList ?? SelfSeed(config, hostname, port), hostname, port) { Akka = akka });
        _node = node;
        _view.Attach(node.System);
        console.WriteLine($"READY seed {node.Address}; workers join with --seed {node.Address.Host}:{node.Address.Port}");
        return node.System;
    }

    // A lone seed lists itself, so it forms the cluster when no other seed answers.
    private static IReadOnlyList<string>? SelfSeed(IConfiguration config, string? host, int? port)
    {
        var configured = ClusterSettings.From(config).SeedNodes;
        if (configured.Count > 0) return null;
        var remote = RemoteSettings.From(config);
        var p = port ?? remote.Port;
        if (p == 0) throw new ArgumentException("a seed needs a fixed port: set remote.port or pass --port (workers join through it)");
        return [$"{host ?? remote.Hostname}:{p}"];
    }

    public IActorRef StartJob(ActorSystem system, SettingsReader config, string jobId, JobSpec spec, Func<IWorkerPlacement?, Props> coordinatorProps)
    {
        var job = config.At("cluster-job");
        var configured = job.GetInt("min-workers", 0);
        var minWorkers = configured == 0 ? spec.Groups * spec.WorkersPerGroup : configured;
        return system.ActorOf(ClusterJobActor.Props(spec, jobId, minWorkers, placement => coordinatorProps(placement),
            Node.Slots!), JobActorName);
    }

    public void StopSystem(ActorSystem system)
    {
        _view.Dispose();
        Node.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(30));
    }

    public Dashboard.IClusterView ClusterView(JobSpec spec) => _view;
}
