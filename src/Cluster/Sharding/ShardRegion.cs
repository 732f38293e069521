using System.Collections.Immutable;
using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.ClusterDaemon;
using ActorCodistill.Cluster.Membership;
using ActorCodistill.Cluster.Remoting;
using ActorCodistill.Cluster.Sharding.Protocol;
using ClusterExtension = ActorCodistill.Cluster.ClusterDaemon.Cluster;

namespace ActorCodistill.Cluster.Sharding;

/// <summary>
/// The shard region of one entity type on one node, at /system/sharding/&lt;type&gt; (Akka's <c>ShardRegion</c>).
/// Routes each entity message by shard through its <see cref="ShardRegionBuffer{TMessage}"/>: to a local
/// <see cref="Shard"/> child, to the owning node's region (inner message serialised as a ShardingEnvelopeProto), or
/// into the buffer while the home is unknown, moving, or on a node seen unreachable. Registers with the coordinator
/// on the oldest member with the role, and re-registers (with the shards it hosts) whenever that member changes.
/// A proxy (no entity props) routes only: it registers as a proxy and never hosts a shard.
/// </summary>
internal sealed class ShardRegion : ReceiveActor
{
    private readonly string _typeName;
    private readonly Func<string, Props>? _entityProps;
    private readonly ClusterShardingSettings _settings;
    private readonly IShardIdExtractor _extractor;
    private readonly ShardPlacement _placement;
    private readonly ClusterExtension _cluster;
    private readonly RemoteActorSystem _remoting;
    private readonly TimeProvider _clock;
    private readonly ClockTimers _timers;
    private readonly UniqueAddress _self;
    private readonly Dictionary<string, IActorRef> _shards = new(StringComparer.Ordinal);
    private readonly Dictionary<IActorRef, string> _shardOf = [];
    private readonly Dictionary<string, IActorRef> _handingOff = new(StringComparer.Ordinal);
    private ShardRegionBuffer<Routed> _buffer;
    private UniqueAddress? _coordinatorNode;
    private bool _registered;
    private long _shardGeneration;

    public ShardRegion(
        string typeName,
        Func<string, Props>? entityProps,
        ClusterShardingSettings settings,
        IShardIdExtractor extractor,
        ShardPlacement placement,
        ClusterExtension cluster,
        TimeProvider clock)
    {
        _typeName = typeName;
        _entityProps = entityProps;
        _settings = settings;
        _extractor = extractor;
        _placement = placement;
        _cluster = cluster;
        _remoting = cluster.Remoting;
        _clock = clock;
        _self = cluster.SelfUniqueAddress;
        _buffer = ShardRegionBuffer<Routed>.Create(settings.BufferSize);
        _timers = new ClockTimers(clock, Self);

        Receive<ShardingEnvelope>(envelope => Route(envelope.EntityId, envelope.Message, Sender));
        Receive<ShardingEnvelopeProto>(OnRemoteEnvelope);
        Receive<ShardHome>(OnShardHome);
        Receive<RegisterAck>(ack =>
        {
            if (_coordinatorNode is null || !ShardingNames.FromProto(ack.Coordinator).Equals(_coordinatorNode)) return;
            _registered = true;
            AskForUnknownHomes();
        });
        Receive<BeginHandOff>(begin =>
        {
            _buffer = _buffer.BeginHandoff(begin.Shard);
            Sender.Tell(new BeginHandOffAck { Shard = begin.Shard, Region = ShardingNames.ToProto(_self) });
        });
        Receive<HandOff>(OnHandOff);
        Receive<Terminated>(OnShardTerminated);
        Receive<RegionTick>(_ => OnTick());
        Receive<CurrentClusterState>(_ => OnMembershipChanged(null));
        Receive<UnreachableMember>(e => OnMembershipChanged(e.Member.Node));
        Receive<MemberRemoved>(e => OnMembershipChanged(e.Member.Node));
        Receive<ClusterEvent>(_ => OnMembershipChanged(null));
    }

    private bool IsProxy => _entityProps is null;

    protected override void PreStart()
    {
        _cluster.Subscribe(Self, typeof(MemberEvent), typeof(UnreachableMember), typeof(ReachableMember));
        _timers.StartPeriodic(RegionTick.Instance, RegionTick.Instance, _settings.RetryInterval);
    }

    protected override void PostStop()
    {
        _timers.Dispose();
        _cluster.Unsubscribe(Self);
    }

    private void Route(string entityId, object message, IActorRef? sender)
    {
        string shard;
        try
        {
            shard = _extractor.ShardId(entityId);
        }
        catch (ArgumentException e)
        {
            Log.Warning($"region '{_typeName}': dropped {message.GetType().Name} for entity '{entityId}': {e.Message}");
            Context.System.DeadLetters.Tell(message, sender);
            return;
        }

        var routed = new Routed(entityId, message, sender);
        while (true)
        {
            var (next, outcome) = _buffer.Deliver(shard, routed);
            switch (outcome)
            {
                case BufferOutcome<Routed>.SendTo send when !ShardingNames.IsUsable(_cluster.State, _self, send.Region):
                    // Do not send into a node seen unreachable: its shards will be re-homed once it is removed.
                    _buffer = _buffer.RegionTerminated(send.Region);
                    continue;
                case BufferOutcome<Routed>.SendTo send:
                    Send(shard, send.Region, routed);
                    return;
                case BufferOutcome<Routed>.Buffered buffered:
                    _buffer = next;
                    if (buffered.AskForHome) AskForHome(shard);
                    return;
                case BufferOutcome<Routed>.Overflow overflow:
                    Log.Warning($"region '{_typeName}': message {message.GetType().Name} for entity '{entityId}' sent to dead letters: {overflow.Reason}");
                    Context.System.DeadLetters.Tell(message, sender);
                    return;
            }
        }
    }

    private void Send(string shard, UniqueAddress region, Routed routed)
    {
        if (region.Equals(_self))
        {
            LocalShard(shard).Tell(new ShardingEnvelope(routed.EntityId, routed.Message), routed.Sender);
            return;
        }

        var target = _remoting.ResolveRemote(ShardingNames.RegionPath(region.Address, _typeName));
        try
        {
            var (manifest, payload) = _remoting.Serializers.Serialize(routed.Message, _remoting, target.Path.ToString());
            target.Tell(new ShardingEnvelopeProto { EntityId = routed.EntityId, Manifest = manifest, Payload = payload }, routed.Sender);
        }
        catch (NotSerializableMessageException e)
        {
            // ShardRegionRef refuses these at Tell; one can still come from a Tell on the raw region ref.
            Log.Error($"region '{_typeName}': message for entity '{routed.EntityId}' sent to dead letters: {e.Message}");
            Context.System.DeadLetters.Tell(routed.Message, routed.Sender);
        }
    }

    private IActorRef LocalShard(string shard)
    {
        if (_shards.TryGetValue(shard, out var existing)) return existing;
        var props = Props.Create(() => new Shard(shard, _entityProps!, _placement.RequiredSlot(shard) is not null, _clock));
        // A generation suffix, because the previous actor of a shard that moved away and back may still be stopping.
        var actor = Context.ActorOf(props, $"{ShardingNames.Escape(shard)}-{++_shardGeneration}");
        Context.Watch(actor);
        _shards[shard] = actor;
        _shardOf[actor] = shard;
        return actor;
    }

    private void OnRemoteEnvelope(ShardingEnvelopeProto proto)
    {
        object message;
        try
        {
            message = _remoting.Serializers.Deserialize(proto.Manifest, proto.Payload, _remoting);
        }
        catch (RemoteSerializationException e)
        {
            Log.Warning($"region '{_typeName}': dropped a message for entity '{proto.EntityId}' from {Sender}: {e.Message}");
            return;
        }

        Route(proto.EntityId, message, Sender);
    }

    private void OnShardHome(ShardHome home)
    {
        UniqueAddress region;
        try
        {
            region = ShardingNames.FromProto(home.Region);
        }
        catch (FormatException e)
        {
            Log.Warning($"region '{_typeName}': ignored ShardHome for shard '{home.Shard}' from {Sender}: {e.Message}");
            return;
        }

        if (!ShardingNames.IsUsable(_cluster.State, _self, region))
        {
            // Keep buffering; the tick asks again once the coordinator has re-homed the shard or this node sees the region.
            return;
        }

        if (!region.Equals(_self) && _shards.TryGetValue(home.Shard, out var stale) && !_handingOff.ContainsKey(home.Shard))
        {
            // The coordinator placed the shard elsewhere (it rebuilt its state and kept another region's claim).
            Log.Warning($"region '{_typeName}': shard '{home.Shard}' lives on {region}; stopping the local copy");
            Context.Stop(stale);
            _shards.Remove(home.Shard);
            _shardOf.Remove(stale);
        }

        var (next, _, flush) = _buffer.HomeKnown(home.Shard, region);
        _buffer = next;
        foreach (var routed in flush) Send(home.Shard, region, routed);
    }

    private void OnHandOff(HandOff handOff)
    {
        if (_shards.TryGetValue(handOff.Shard, out var shard))
        {
            _handingOff[handOff.Shard] = Sender;
            shard.Tell(HandOffStop.Instance);
            return;
        }

        if (!_handingOff.ContainsKey(handOff.Shard)) Sender.Tell(new ShardStopped { Shard = handOff.Shard });
    }

    private void OnShardTerminated(Terminated terminated)
    {
        if (!_shardOf.Remove(terminated.ActorRef, out var shard)) return;
        if (_shards.TryGetValue(shard, out var current) && current.Equals(terminated.ActorRef)) _shards.Remove(shard);
        if (_handingOff.Remove(shard, out var coordinator)) coordinator.Tell(new ShardStopped { Shard = shard });
    }

    private void OnTick()
    {
        UpdateCoordinator();
        if (!_registered) Register();
        else AskForUnknownHomes();
        if (_settings.PassivateIdleAfter is { } idle)
        {
            var idleSince = _clock.GetUtcNow() - idle;
            foreach (var shard in _shards.Values) shard.Tell(new PassivateIdle(idleSince));
        }
    }

    private void OnMembershipChanged(UniqueAddress? gone)
    {
        if (gone is not null && !gone.Equals(_self)) _buffer = _buffer.RegionTerminated(gone);
        UpdateCoordinator();
    }

    private void UpdateCoordinator()
    {
        var oldest = ShardingNames.OldestWithRole(_cluster.State, _settings.Role);
        if (Equals(oldest, _coordinatorNode)) return;
        _coordinatorNode = oldest;
        _registered = false;
        if (oldest is not null) Register();
    }

    private void Register()
    {
        if (_coordinatorNode is null) return;
        if (IsProxy)
        {
            Coordinator().Tell(new RegisterProxy { Proxy = ShardingNames.ToProto(_self) });
            return;
        }

        var register = new RegisterRegion { Region = ShardingNames.ToProto(_self) };
        register.Shards.AddRange(HostedShards());
        Coordinator().Tell(register);
    }

    /// <summary>Shards this region was told it hosts, plus those with a live shard actor not being handed off.</summary>
    private ImmutableSortedSet<string> HostedShards() =>
        _buffer.Homes.Where(kv => kv.Value.Equals(_self)).Select(kv => kv.Key)
            .Concat(_shards.Keys.Where(s => !_handingOff.ContainsKey(s)))
            .ToImmutableSortedSet(StringComparer.Ordinal);

    private void AskForUnknownHomes()
    {
        foreach (var shard in _buffer.Queues.Keys.Where(s => !_buffer.Homes.ContainsKey(s))) AskForHome(shard);
    }

    private void AskForHome(string shard)
    {
        if (!_registered) return;
        Coordinator().Tell(new GetShardHome { Shard = shard, Requester = ShardingNames.ToProto(_self) });
    }

    /// <summary>Resolved at each send: a local coordinator may not exist yet when the region starts.</summary>
    private IActorRef Coordinator() =>
        _coordinatorNode is null
            ? ActorRefs.Nobody
            : _remoting.RefOf(ShardingNames.CoordinatorPath(_coordinatorNode.Address, _typeName)) ?? ActorRefs.Nobody;

    /// <summary>A message waiting in, or passing through, the region.</summary>
    private sealed record Routed(string EntityId, object Message, IActorRef? Sender);
}
