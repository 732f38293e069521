using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.Remoting;
using ActorCodistill.Cluster.Sharding.Protocol;
using ClusterExtension = ActorCodistill.Cluster.ClusterDaemon.Cluster;

namespace ActorCodistill.Cluster.Sharding;

/// <summary>
/// The sharding extension of one clustered actor system (Akka's <c>ClusterSharding.Get(system)</c>). Starts, per entity
/// type, this node's region at /system/sharding/&lt;type&gt; and, on members with the type's role, the coordinator
/// candidate at /system/sharding/&lt;type&gt;Coordinator. Every member with the role must start the type with the same
/// settings, extractor and placement; other nodes may start a proxy.
/// </summary>
public sealed class ClusterSharding
{
    private static readonly ConditionalWeakTable<ActorSystem, ClusterSharding> Registry = new();
    private static readonly object Gate = new();
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);

    private readonly ClusterExtension _cluster;
    private readonly IActorRef _guardian;
    private readonly ConcurrentDictionary<string, IActorRef> _regions = new(StringComparer.Ordinal);

    private ClusterSharding(ClusterExtension cluster)
    {
        _cluster = cluster;
        RegisterSerializers(cluster.Remoting.Serializers);
        _guardian = cluster.System.SystemActorOf(Props.Create(() => new ShardingGuardian()), ShardingNames.Guardian);
    }

    /// <summary>The sharding of <paramref name="system"/>, created on first use over its running <see cref="ClusterExtension"/>.</summary>
    public static ClusterSharding Get(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        lock (Gate)
        {
            if (Registry.TryGetValue(system, out var existing)) return existing;
            var sharding = new ClusterSharding(ClusterExtension.Get(system));
            Registry.Add(system, sharding);
            return sharding;
        }
    }

    /// <summary>
    /// Starts the region of <paramref name="typeName"/> on this node and returns its ref; send it
    /// <see cref="ShardingEnvelope"/>s. On a node without <see cref="ClusterShardingSettings.Role"/> this starts a proxy.
    /// </summary>
    /// <param name="entityProps">Props of the entity with the given id; the entity gets the inner messages with their original sender.</param>
    /// <param name="extractor">Entity id -> shard id; default <see cref="HashShardIdExtractor"/> over <see cref="ClusterShardingSettings.NumberOfShards"/>.</param>
    /// <param name="placement">Default <see cref="ShardPlacement.LeastShards"/>.</param>
    /// <param name="clock">Retries, rebalance, handoff timeouts and passivation run on it; default the system's TimeProvider.</param>
    /// <exception cref="InvalidOperationException">When the type is already started on this node.</exception>
    public IActorRef Start(
        string typeName,
        Func<string, Props> entityProps,
        ClusterShardingSettings? settings = null,
        IShardIdExtractor? extractor = null,
        ShardPlacement? placement = null,
        TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(entityProps);
        var s = settings ?? ClusterShardingSettings.Default;
        var hosts = s.Role is null || _cluster.Settings.Roles.Contains(s.Role);
        return StartRegion(typeName, hosts ? entityProps : null, s, extractor, placement ?? ShardPlacement.LeastShards, clock);
    }

    /// <summary>Starts a region of <paramref name="typeName"/> that hosts nothing and routes to the members with <paramref name="role"/>.</summary>
    public IActorRef StartProxy(
        string typeName,
        string? role,
        IShardIdExtractor? extractor = null,
        ClusterShardingSettings? settings = null,
        TimeProvider? clock = null) =>
        StartRegion(typeName, null, (settings ?? ClusterShardingSettings.Default) with { Role = role }, extractor, ShardPlacement.LeastShards, clock);

    /// <summary>The region or proxy started for <paramref name="typeName"/> on this node.</summary>
    /// <exception cref="ArgumentException">When the type was not started here.</exception>
    public IActorRef ShardRegion(string typeName) =>
        _regions.TryGetValue(typeName, out var region)
            ? region
            : throw new ArgumentException($"sharding type '{typeName}' is not started on {_cluster.SelfAddress}; call Start or StartProxy first", nameof(typeName));

    private IActorRef StartRegion(
        string typeName, Func<string, Props>? entityProps, ClusterShardingSettings settings, IShardIdExtractor? extractor, ShardPlacement placement, TimeProvider? clock)
    {
        ArgumentException.ThrowIfNullOrEmpty(typeName);
        if (ShardingNames.Escape(typeName) != typeName)
        {
            throw new ArgumentException($"sharding type name '{typeName}' must be usable as an actor name (letters, digits, '-', '_', '.', '~')", nameof(typeName));
        }

        settings.Validate();
        var shardIds = extractor ?? new HashShardIdExtractor(settings.NumberOfShards);
        var time = clock ?? _cluster.System.TimeProvider;
        var cluster = _cluster;
        var region = Props.Create(() => new ShardRegion(typeName, entityProps, settings, shardIds, placement, cluster, time));
        var coordinator = entityProps is null
            ? null
            : Props.Create(() => new ShardCoordinator(typeName, settings, placement, cluster, time));
        var started = _guardian.Ask<IActorRef>(new StartShardRegion(typeName, region, coordinator), StartTimeout).GetAwaiter().GetResult();
        var wrapped = new ShardRegionRef((InternalActorRef)started, _cluster.Remoting.Serializers);
        _regions[typeName] = wrapped;
        return wrapped;
    }

    internal static void RegisterSerializers(SerializerRegistry serializers)
    {
        serializers.AddProtobuf<ShardingEnvelopeProto>();
        serializers.AddProtobuf<RegisterRegion>();
        serializers.AddProtobuf<RegisterProxy>();
        serializers.AddProtobuf<RegisterAck>();
        serializers.AddProtobuf<GetShardHome>();
        serializers.AddProtobuf<ShardHome>();
        serializers.AddProtobuf<BeginHandOff>();
        serializers.AddProtobuf<BeginHandOffAck>();
        serializers.AddProtobuf<HandOff>();
        serializers.AddProtobuf<ShardStopped>();
    }
}
