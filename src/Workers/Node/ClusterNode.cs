using ActorCodistill.Cluster.Bootstrap;
using ActorCodistill.Cluster.Configuration;
using ActorCodistill.Cluster.Slots;
using ActorCodistill.Workers.Remote;
using Akka.Actor;
using Microsoft.Extensions.Configuration;
using AkkaCluster = Akka.Cluster.Cluster;
using DataPlaneExt = ActorCodistill.Cluster.DataPlane.DataPlane;

namespace ActorCodistill.Workers.Node;

/// <summary>How to start one node of a training cluster (seed or worker).</summary>
/// <param name="Config">The loaded configuration: <c>remote</c>, <c>cluster</c> and <c>actor</c> sections.</param>
/// <param name="Roles">Cluster roles of this node (<c>seed</c>, <c>worker</c>, <c>client</c>).</param>
/// <param name="Devices">Device slots this node offers (<c>cpu:0</c>, <c>cuda:1</c>); empty for a seed. Announced as
/// <see cref="DeviceRoles"/>.</param>
/// <param name="SeedNodes">"host:port" of the seeds; null = <c>cluster.seed-nodes</c> from the config.</param>
/// <param name="JoinCluster">False for a client that only talks to the seed (ctl): Akka.Remote without membership.</param>
public sealed record NodeOptions(
    IConfiguration Config,
    IReadOnlyList<string> Roles,
    IReadOnlyList<string> Devices,
    IReadOnlyList<string>? SeedNodes = null,
    string? Hostname = null,
    int? Port = null,
    bool JoinCluster = true)
{
    /// <summary>More Akka configuration for the node (the seed's job journal plugin).</summary>
    public Akka.Configuration.Config? Akka { get; init; }
}

/// <summary>
/// A node of a training cluster on Akka.NET: an Akka.Cluster member (or, for ctl, an Akka.Remote client) with mutual
/// TLS whose certificates come from the cluster secret (<see cref="ClusterTls.FromSecret"/>: a peer without the secret
/// cannot complete the handshake), the Split Brain Resolver as <c>cluster.downing</c> says, its device slots as
/// roles, and the tensor data plane (<see cref="DataPlaneExt"/>) with the training protocol's codecs and the same
/// secret. Seeds, workers and the ctl client start through here, so they agree on the system name, the wire and the
/// settings (<see cref="AkkaSettings"/> maps the product's <c>remote</c>, <c>cluster</c> and <c>actor</c> keys).
/// </summary>
public sealed class ClusterNode : IAsyncDisposable
{
    public const string SystemName = "codistill";

    private ClusterNode(ActorSystem system, AkkaCluster? cluster, DataPlaneExt dataPlane, DevicePool devices, PinnedSlotAllocation? allocation,
        IActorRef? slots)
    {
        System = system;
        Cluster = cluster;
        DataPlane = dataPlane;
        Devices = devices;
        SlotAllocation = allocation;
        Slots = slots;
    }

    public ActorSystem System { get; }

    /// <summary>Membership; null for a client that only talks to the seed (ctl).</summary>
    public AkkaCluster? Cluster { get; }

    /// <summary>Where tensors go between this node and the others.</summary>
    public DataPlaneExt DataPlane { get; }

    /// <summary>The device slots this node offers and the worker slots that hold them (empty on a seed).</summary>
    public DevicePool Devices { get; }

    /// <summary>
    /// A worker node's instance of the slots' allocation strategy (the one that places is the shard coordinator's, on
    /// the oldest worker node); null on a seed and a client (ctl).
    /// </summary>
    public PinnedSlotAllocation? SlotAllocation { get; }

    /// <summary>The worker slots' shard region on a worker node, a proxy to them on a seed (<see cref="WorkerSlots"/>); null for a client (ctl).</summary>
    public IActorRef? Slots { get; }

    /// <summary>This node's Akka address (the bound port when the configured one was 0).</summary>
    public Address Address => AkkaNode.AddressOf(System);

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
        var cluster = ClusterSettings.From(options.Config);
        var seeds = (options.SeedNodes is { Count: > 0 } given ? given : cluster.SeedNodes).Select(ParseSeed).ToArray();
        if (options.JoinCluster && seeds.Length == 0) throw new ArgumentException("no seed nodes: pass --seed HOST:PORT or set cluster.seed-nodes");
        var roles = options.Roles.Concat(cluster.Roles).Concat(DeviceRoles.For(options.Devices)).Distinct(StringComparer.Ordinal).ToArray();
        var nodeName = $"{options.Roles.FirstOrDefault() ?? "node"}-{Environment.MachineName}-{Environment.ProcessId}";
        var tls = ClusterTls.FromSecret(remote.Secret, SystemName, nodeName);
        var akka = AkkaSettings.For(SystemName, remote, cluster, ActorSystemSettings.From(options.Config)) with
        {
            SeedNodes = options.JoinCluster ? seeds.Select(s => s.ToString()).ToArray() : [],
            Roles = roles,
            Provider = options.JoinCluster ? NodeProvider.Cluster : NodeProvider.Remote,
            Tls = tls,
            // The user's own akka { } section wins over everything the product sets.
            Extra = AkkaSettings.OnTop(AkkaSettings.UserSection(options.Config), options.Akka),
        };
        var system = AkkaNode.Start(akka);
        try
        {
            var dataPlane = DataPlaneExt.Start(system, remote.ToTransport(SystemName) with
            {
                Hostname = remote.Hostname,
                Port = remote.DataPlanePort,
                Tls = tls.ForDataPlane(),
            }, TrainingSerializers.Codecs());
            var devices = new DevicePool(options.Devices);
            if (!options.JoinCluster) return new ClusterNode(system, null, dataPlane, devices, null, null);
            if (!roles.Contains(WorkerSlots.Role))
                // A seed: a proxy to the worker slots, which live on worker nodes.
                return new ClusterNode(system, AkkaCluster.Get(system), dataPlane, devices, null, WorkerSlots.StartProxy(system));
            // A worker node: hosts slots on its devices; its allocation strategy places them while this node runs the
            // shard coordinator (the oldest worker node), and its host hears of drains.
            var allocation = new PinnedSlotAllocation(system, WorkerSlots.GroupOf);
            var slots = WorkerSlots.StartRegion(system, devices, allocation);
            system.ActorOf(WorkerHostActor.Props(devices, allocation), WorkerHostActor.Name);
            return new ClusterNode(system, AkkaCluster.Get(system), dataPlane, devices, allocation, slots);
        }
        catch
        {
            system.Terminate().Wait(TimeSpan.FromSeconds(10));
            throw;
        }
    }

    /// <summary>"host:port" (or a full <c>akka.ssl.tcp://codistill@host:port</c> address) as the address of a node of this cluster.</summary>
    public static Address ParseSeed(string seed)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(seed);
        try
        {
            var address = seed.Contains("://", StringComparison.Ordinal)
                ? Address.Parse(seed)
                : Address.Parse($"akka.ssl.tcp://{SystemName}@{seed}");
            if (address.Host is null || address.Port is null or <= 0) throw new FormatException("no host:port");
            return address;
        }
        catch (Exception e) when (e is FormatException or UriFormatException or ArgumentException)
        {
            throw new ArgumentException($"seed '{seed}' is not HOST:PORT: {e.Message}", e);
        }
    }

    /// <summary>Leaves the cluster (CoordinatedShutdown: handoff, leave, then the system stops) and closes the data plane.</summary>
    public async ValueTask DisposeAsync()
    {
        await CoordinatedShutdown.Get(System).Run(CoordinatedShutdown.ClrExitReason.Instance).ConfigureAwait(false);
        await System.WhenTerminated.ConfigureAwait(false);
    }
}
