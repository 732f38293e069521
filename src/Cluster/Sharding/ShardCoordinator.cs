using System.Collections.Immutable;
using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.ClusterDaemon;
using ActorCodistill.Cluster.Membership;
using ActorCodistill.Cluster.Sharding.Protocol;
using ClusterExtension = ActorCodistill.Cluster.ClusterDaemon.Cluster;

namespace ActorCodistill.Cluster.Sharding;

/// <summary>
/// The shard coordinator of one entity type (Akka's <c>ShardCoordinator</c>), at /system/sharding/&lt;type&gt;Coordinator
/// on every member with the role; only the one on the oldest such member acts, a simple singleton that every region
/// finds by computing the oldest member itself. The logic is <see cref="ShardCoordinatorState"/>; this actor feeds it
/// registrations, GetShardHome, handoff acks and member removals, and sends what it decides.
/// Phases: <c>Standby</c> (not the oldest) -> <c>Rebuilding</c> (oldest: collects the regions' registrations, answers
/// no GetShardHome) -> <c>Active</c>; back to <c>Standby</c> with an empty state if another member becomes the oldest.
/// </summary>
internal sealed class ShardCoordinator : ReceiveActor
{
    private readonly string _typeName;
    private readonly ClusterShardingSettings _settings;
    private readonly ShardPlacement _placement;
    private readonly ClusterExtension _cluster;
    private readonly TimeProvider _clock;
    private readonly ClockTimers _timers;
    private readonly UniqueAddress _self;
    private readonly Dictionary<UniqueAddress, IActorRef> _regions = [];
    private readonly Dictionary<UniqueAddress, IActorRef> _proxies = [];
    private readonly List<(IActorRef Sender, GetShardHome Request)> _pending = [];
    private readonly Dictionary<string, DateTimeOffset> _handoffDeadlines = new(StringComparer.Ordinal);
    private readonly HashSet<string> _refusalsLogged = new(StringComparer.Ordinal);
    private ShardCoordinatorState _state = ShardCoordinatorState.Empty;
    private DateTimeOffset _rebuildDeadline;
    private DateTimeOffset _nextRebalance;

    public ShardCoordinator(string typeName, ClusterShardingSettings settings, ShardPlacement placement, ClusterExtension cluster, TimeProvider clock)
    {
        _typeName = typeName;
        _settings = settings;
        _placement = placement;
        _cluster = cluster;
        _clock = clock;
        _self = cluster.SelfUniqueAddress;
        _timers = new ClockTimers(clock, Self);
        Become(Standby);
    }

    protected override void PreStart()
    {
        _cluster.Subscribe(Self, typeof(MemberEvent), typeof(UnreachableMember), typeof(ReachableMember));
        _timers.StartPeriodic(CoordinatorTick.Instance, CoordinatorTick.Instance, _settings.RetryInterval);
    }

    protected override void PostStop()
    {
        _timers.Dispose();
        _cluster.Unsubscribe(Self);
    }

    private void Standby()
    {
        Receive<CoordinatorTick>(_ => TakeOverIfOldest());
        Receive<CurrentClusterState>(_ => TakeOverIfOldest());
        Receive<ClusterEvent>(_ => TakeOverIfOldest());
        // Regions that still see this node as the oldest, or already do while it does not: they retry on their tick.
        ReceiveAny(message => Log.Debug($"coordinator '{_typeName}' (standby) ignored {message.GetType().Name}"));
    }

    private void Rebuilding()
    {
        Receive<RegisterRegion>(register =>
        {
            OnRegister(register);
            ActivateIfRebuilt();
        });
        Receive<RegisterProxy>(OnRegisterProxy);
        Receive<GetShardHome>(request => _pending.Add((Sender, request)));
        Receive<MemberRemoved>(removed => OnMemberRemoved(removed.Member.Node));
        Receive<ClusterEvent>(_ => StandDownIfNotOldest());
        Receive<CurrentClusterState>(_ => StandDownIfNotOldest());
        Receive<CoordinatorTick>(_ => ActivateIfRebuilt());
        ReceiveAny(message => Log.Debug($"coordinator '{_typeName}' (rebuilding) ignored {message.GetType().Name}"));
    }

    private void Active()
    {
        Receive<RegisterRegion>(OnRegister);
        Receive<RegisterProxy>(OnRegisterProxy);
        Receive<GetShardHome>(request => OnGetShardHome(Sender, request));
        Receive<BeginHandOffAck>(ack =>
        {
            if (TryNode(ack.Region, out var region)) Execute(_state.BeginHandoffAcked(ack.Shard, region));
        });
        Receive<ShardStopped>(stopped =>
        {
            var update = _state.ShardStopped(stopped.Shard);
            _state = update.State;
            _handoffDeadlines.Remove(stopped.Shard);
            Announce(update.Allocated);
            LogRefusals(update.Refused);
        });
        Receive<MemberRemoved>(removed => OnMemberRemoved(removed.Member.Node));
        Receive<ClusterEvent>(_ => StandDownIfNotOldest());
        Receive<CurrentClusterState>(_ => StandDownIfNotOldest());
        Receive<CoordinatorTick>(_ => OnActiveTick());
    }

    private void TakeOverIfOldest()
    {
        if (!_self.Equals(ShardingNames.OldestWithRole(_cluster.State, _settings.Role))) return;
        Log.Info($"coordinator '{_typeName}' taking over on {_self}; rebuilding from the regions' registrations");
        Reset();
        _rebuildDeadline = _clock.GetUtcNow() + _settings.RebuildTimeout;
        Become(Rebuilding);
    }

    private void StandDownIfNotOldest()
    {
        if (_self.Equals(ShardingNames.OldestWithRole(_cluster.State, _settings.Role))) return;
        Log.Info($"coordinator '{_typeName}' on {_self} is no longer on the oldest member; standing by");
        Reset();
        Become(Standby);
    }

    private void Reset()
    {
        _state = ShardCoordinatorState.Empty;
        _regions.Clear();
        _proxies.Clear();
        _pending.Clear();
        _handoffDeadlines.Clear();
        _refusalsLogged.Clear();
    }

    private void ActivateIfRebuilt()
    {
        var expected = _cluster.State.Members
            .Where(m => m.Status == MemberStatus.Up && (_settings.Role is null || m.HasRole(_settings.Role)))
            .Where(m => !_cluster.State.Unreachable.Contains(m))
            .Select(m => m.Node);
        var missing = expected.Where(n => !_regions.ContainsKey(n)).ToList();
        var now = _clock.GetUtcNow();
        if (missing.Count > 0 && now < _rebuildDeadline) return;
        if (missing.Count > 0)
        {
            Log.Warning($"coordinator '{_typeName}': rebuild timed out without registrations from {string.Join(", ", missing)}; going active");
        }

        _nextRebalance = now + _settings.RebalanceInterval;
        Become(Active);
        foreach (var (sender, request) in _pending) OnGetShardHome(sender, request);
        _pending.Clear();
    }

    private void OnRegister(RegisterRegion register)
    {
        if (!TryNode(register.Region, out var region)) return;
        if (!_cluster.State.Members.Any(m => m.Node.Equals(region) && m.Status is not (MemberStatus.Down or MemberStatus.Removed)))
        {
            Log.Debug($"coordinator '{_typeName}': registration of {region}, not a live member here (yet), ignored; it retries");
            return;
        }

        var (recorded, conflicts) = _state.RecordHostedShards(region, register.Shards, _placement.RequiredSlot);
        var update = recorded.RegisterRegion(region, _cluster.State.DevicesOf(region));
        _state = update.State;
        _regions[region] = Sender;
        Sender.Tell(new RegisterAck { Coordinator = ShardingNames.ToProto(_self) });
        foreach (var (shard, home) in conflicts)
        {
            Log.Warning($"coordinator '{_typeName}': {region} reported shard '{shard}', which lives on {home}");
            Sender.Tell(new ShardHome { Shard = shard, Region = ShardingNames.ToProto(home) });
        }

        Announce(update.Allocated);
        LogRefusals(update.Refused);
    }

    private void OnRegisterProxy(RegisterProxy register)
    {
        if (!TryNode(register.Proxy, out var proxy)) return;
        _proxies[proxy] = Sender;
        Sender.Tell(new RegisterAck { Coordinator = ShardingNames.ToProto(_self) });
    }

    private void OnGetShardHome(IActorRef sender, GetShardHome request)
    {
        if (!TryNode(request.Requester, out var requester)) return;
        var isRegion = _regions.ContainsKey(requester);
        if (!isRegion && !_proxies.ContainsKey(requester)) return;
        AllocationResult result;
        try
        {
            result = _state.Allocate(request.Shard, isRegion ? requester : null, _placement.RequiredSlot(request.Shard));
        }
        catch (ArgumentException e)
        {
            Log.Error($"coordinator '{_typeName}': cannot place shard '{request.Shard}' for {requester}: {e.Message}");
            return;
        }

        var isNew = !_state.Shards.ContainsKey(request.Shard);
        _state = result.State;
        switch (result.Decision)
        {
            case AllocationDecision.To to when isNew:
                Announce([(request.Shard, to.Region)]);
                break;
            case AllocationDecision.To to:
                sender.Tell(new ShardHome { Shard = request.Shard, Region = ShardingNames.ToProto(to.Region) });
                break;
            case AllocationDecision.Refused refused:
                LogRefusals([(request.Shard, refused.Reason)]);
                break;
        }
    }

    private void OnMemberRemoved(UniqueAddress node)
    {
        _proxies.Remove(node);
        if (_regions.Remove(node) || _state.Regions.ContainsKey(node))
        {
            var update = _state.RegionTerminated(node);
            _state = update.State;
            Log.Info($"coordinator '{_typeName}': region {node} removed; re-placed {update.Allocated.Length} of its shards");
            Announce(update.Allocated);
            LogRefusals(update.Refused);
            Execute(_state.AdvanceHandoffs());
            foreach (var shard in _handoffDeadlines.Keys.Where(s => !_state.Handoffs.ContainsKey(s)).ToList()) _handoffDeadlines.Remove(shard);
        }

        StandDownIfNotOldest();
    }

    private void OnActiveTick()
    {
        var now = _clock.GetUtcNow();
        foreach (var (shard, deadline) in _handoffDeadlines.Where(kv => kv.Value <= now).ToList())
        {
            _handoffDeadlines.Remove(shard);
            var (state, home) = _state.AbortHandoff(shard);
            _state = state;
            Log.Warning($"coordinator '{_typeName}': handoff of shard '{shard}' not done within {_settings.HandoffTimeout}; it stays on {home}");
            if (home is not null) Announce([(shard, home)]);
        }

        if (now < _nextRebalance) return;
        _nextRebalance = now + _settings.RebalanceInterval;
        foreach (var move in _state.Rebalance(_settings.RebalanceThreshold, _settings.MaxSimultaneousRebalance))
        {
            Log.Info($"coordinator '{_typeName}': rebalancing shard '{move.Shard}' from {move.From} to {move.To}");
            _handoffDeadlines[move.Shard] = now + _settings.HandoffTimeout;
            Execute(_state.BeginHandoff(move));
        }
    }

    private void Execute(HandoffStep step)
    {
        _state = step.State;
        foreach (var command in step.Commands)
        {
            switch (command)
            {
                case HandoffCommand.SendBeginHandoff begin:
                    foreach (var region in begin.Regions) RegionRef(region).Tell(new BeginHandOff { Shard = begin.Shard });
                    break;
                case HandoffCommand.SendHandoff handOff:
                    RegionRef(handOff.Region).Tell(new HandOff { Shard = handOff.Shard });
                    break;
            }
        }
    }

    /// <summary>Every region and proxy learns each new home: regions flush what they buffered, the new home knows it hosts the shard.</summary>
    private void Announce(ImmutableArray<(string Shard, UniqueAddress Region)> allocated)
    {
        foreach (var (shard, region) in allocated)
        {
            _refusalsLogged.Remove(shard);
            var home = new ShardHome { Shard = shard, Region = ShardingNames.ToProto(region) };
            foreach (var target in _regions.Values.Concat(_proxies.Values)) target.Tell(home);
        }
    }

    private void LogRefusals(ImmutableArray<(string Shard, string Reason)> refused)
    {
        foreach (var (shard, reason) in refused)
        {
            if (_state.Handoffs.ContainsKey(shard)) continue;
            if (_refusalsLogged.Add(shard)) Log.Warning($"coordinator '{_typeName}': shard '{shard}' has no home yet: {reason}");
        }
    }

    private IActorRef RegionRef(UniqueAddress region) => _regions.GetValueOrDefault(region) ?? ActorRefs.Nobody;

    private bool TryNode(ShardRegionId? id, out UniqueAddress node)
    {
        try
        {
            node = ShardingNames.FromProto(id);
            return true;
        }
        catch (FormatException e)
        {
            Log.Warning($"coordinator '{_typeName}': ignored a message from {Sender}: {e.Message}");
            node = null!;
            return false;
        }
    }
}
