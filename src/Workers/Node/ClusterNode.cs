using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.ClusterDaemon;
using ActorCodistill.Cluster.Configuration;
using ActorCodistill.Cluster.Remoting;
using ActorCodistill.Workers.Remote;
using Microsoft.Extensions.Configuration;
using ClusterExt = ActorCodistill.Cluster.ClusterDaemon.Cluster;

namespace ActorCodistill.Workers.Node;

/// <summary>How to start one node of a training cluster (seed or worker).</summary>
/// <param name="Config">The loaded configuration: <c>remote</c>, <c>cluster</c> and <c>actor</c> sections.</param>
/// <param name="Roles">Cluster roles of this node (<c>seed</c>, <c>worker</c>, <c>client</c>).</param>
/// <param name="Devices">Device slots this node offers (<c>cpu:0</c>, <c>cuda:1</c>); empty for a seed.</param>
/// <param name="SeedNodes">"host:port" of the seeds; null = <c>cluster.seed-nodes</c> from the config.</param>
/// <param name="Register">Adds the serializers of the messages this node exchanges beyond the training protocol.</param>
public sealed record NodeOptions(
    IConfiguration Config,
    IReadOnlyList<string> Roles,
    IReadOnlyList<string> Devices,
    IReadOnlyList<string>? SeedNodes = null,
    string? Hostname = null,
    int? Port = null,
    Action<SerializerRegistry>? Register = null,
    bool JoinCluster = true);

/// <summary>
/// A node of a training cluster: authenticated remoting (the cluster secret is required), the training
/// protocol's serializers, and cluster membership with its roles and device slots. Seeds, workers and the ctl
/// client start through here, so they agree on the system name, the wire and the settings.
/// </summary>
public sealed class ClusterNode : IAsyncDisposable
{
    public const string SystemName = "codistill";

    private ClusterNode(RemoteActorSystem remoting, ClusterExt? cluster)
    {
        Remoting = remoting;
        Cluster = cluster;
    }

    public RemoteActorSystem Remoting { get; }

    /// <summary>Membership; null for a client that only talks to the seed (ctl).</summary>
    public ClusterExt? Cluster { get; }

    public ActorSystem System => Remoting.System;

    public Address Address => System.Address;

    public static ClusterNode Start(NodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var remote = RemoteSettings.From(options.Config, requireSecret: true);
        if (options.Hostname is { } host) remote = remote with { Hostname = host };
        if (options.Port is { } port)
        {
            if (port is < 0 or > 65535) throw new ArgumentException($"--port must be in [0, 65535], got {port}");
            remote = remote with { Port = port };
        }
        var serializers = TrainingSerializers.Register(new SerializerRegistry());
        options.Register?.Invoke(serializers);
        var actorSettings = ActorCodistill.Cluster.Configuration.ActorSystemSettings.From(options.Config).ToRuntime();
        var remoting = RemoteActorSystem.Start(remote.ToTransport(SystemName), actorSettings, serializers: serializers);
        if (!options.JoinCluster) return new ClusterNode(remoting, null);
        try
        {
            var clusterSettings = ClusterDaemonSettings.FromConfig(ClusterSettings.From(options.Config), SystemName) with
            {
                Roles = [.. options.Roles],
                Devices = [.. options.Devices],
            };
            if (options.SeedNodes is { Count: > 0 } seeds)
                clusterSettings = clusterSettings with { SeedNodes = [.. seeds.Select(ParseSeed)] };
            if (clusterSettings.SeedNodes.IsEmpty)
                throw new ArgumentException("no seed nodes: pass --seed HOST:PORT or set cluster.seed-nodes");
            clusterSettings.Validate();
            return new ClusterNode(remoting, ClusterExt.Start(remoting, clusterSettings));
        }
        catch
        {
            remoting.AbortAsync().GetAwaiter().GetResult();
            throw;
        }
    }

    /// <summary>"host:port" (or a full <c>act://codistill@host:port</c> address) as the address of a node of this cluster.</summary>
    public static Address ParseSeed(string seed)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(seed);
        try
        {
            var address = seed.Contains("://", StringComparison.Ordinal) ? Address.Parse(seed) : ClusterDaemonSettings.SeedAddress(seed, SystemName);
            if (address.HasLocalScope) throw new FormatException("no host:port");
            return address;
        }
        catch (FormatException e)
        {
            throw new ArgumentException($"seed '{seed}' is not HOST:PORT: {e.Message}", e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await System.CoordinatedShutdown.Run(new CoordinatedShutdown.ActorSystemTerminateReason()).ConfigureAwait(false);
        await Remoting.ShutdownAsync().ConfigureAwait(false);
    }
}
