using System.Collections.Immutable;
using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.ClusterDaemon.Protocol;
using ActorCodistill.Cluster.Configuration;
using ActorCodistill.Cluster.Membership;
using ActorCodistill.Cluster.Remote;
using ActorCodistill.Cluster.Remoting;
using UniqueAddressProto = ActorCodistill.Cluster.Remote.Protocol.UniqueAddressProto;

namespace ActorCodistill.Cluster.ClusterDaemon;

/// <summary>
/// The membership actor at <c>/system/cluster</c>: routes join, gossip, reachability and downing messages through the
/// immutable <see cref="ClusterCoreState"/> and sends what each step asks for. Phases (transitions only forward):
/// <c>Idle</c> (no join requested) -> <c>Joining</c> (seed-join process running) -> <c>Member</c> (in the gossip)
/// -> <c>Stopping</c> (downed, exiting or removed: coordinated shutdown is running). Idle may go straight to Member
/// when a gossip holding this node arrives.
/// </summary>
internal sealed class ClusterCoreDaemon : ReceiveActor
{
    public const string Name = "cluster";

    private readonly Cluster _cluster;
    private readonly RemoteActorSystem _remoting;
    private readonly ClusterDaemonSettings _settings;
    private readonly TimeProvider _clock;
    private readonly ClockTimers _timers;
    private readonly Random _random;
    private readonly UniqueAddressProto _selfProto;
    private readonly Dictionary<IActorRef, ImmutableArray<Type>> _subscribers = [];
    // A resumed node sends a burst (queued ticks, heartbeats) before our first answer reaches it: log it once.
    private readonly HashSet<UniqueAddress> _toldRemoved = [];
    private ClusterCoreState _state;
    private SeedJoinState? _seedJoin;
    private IActorRef _heartbeatSender = ActorRefs.Nobody;
    private IActorRef _heartbeatReceiver = ActorRefs.Nobody;
    private IActorRef _downing = ActorRefs.Nobody;

    public ClusterCoreDaemon(Cluster cluster, RemoteActorSystem remoting, ClusterDaemonSettings settings, TimeProvider clock)
    {
        _cluster = cluster;
        _remoting = remoting;
        _settings = settings;
        _clock = clock;
        _timers = new ClockTimers(clock, Self);
        _random = new Random(unchecked((int)cluster.SelfUniqueAddress.Uid));
        _selfProto = ClusterProtoMapping.ToProto(cluster.SelfUniqueAddress);
        _state = ClusterCoreState.Initial(cluster.SelfUniqueAddress);
        Become(Idle);
    }

    protected override void PreStart()
    {
        var self = _state.Self;
        // Heartbeats get threads of their own so busy actors on the shared pool cannot make a healthy node look dead.
        _heartbeatReceiver = Context.ActorOf(
            Props.Create(() => new ClusterHeartbeatReceiver(self)).WithDispatcher(Dispatchers.PinnedDispatcherId), ClusterHeartbeatReceiver.Name);
        _heartbeatSender = Context.ActorOf(
            Props.Create(() => new ClusterHeartbeatSender(_remoting, self, _settings.FailureDetector, _clock)).WithDispatcher(Dispatchers.PinnedDispatcherId),
            ClusterHeartbeatSender.Name);
        IDowningStrategy? strategy = _settings.Downing.Strategy switch
        {
            DowningStrategy.KeepMajority => new KeepMajority(_settings.Downing.StableAfter, _settings.Downing.Role),
            DowningStrategy.KeepOldest => new KeepOldest(_settings.Downing.StableAfter, _settings.Downing.DownIfAlone, _settings.Downing.Role),
            _ => null,
        };
        if (strategy is not null)
        {
            _downing = Context.ActorOf(Props.Create(() => new DowningProvider(self, strategy, _clock, _settings.LeaderActionsInterval)), DowningProvider.Name);
        }

        if (!_settings.SeedNodes.IsEmpty) Self.Tell(new JoinSeedNodes(_settings.SeedNodes));
    }

    protected override void PostStop() => _timers.Dispose();

    private void Idle()
    {
        Receive<JoinSeedNodes>(StartJoining);
        Receive<GossipEnvelope>(OnGossip);
        Receive<Welcome>(OnWelcome);
        Common();
    }

    private void Joining()
    {
        Receive<SeedJoinTick>(_ => Execute(_seedJoin!.Tick(_clock.GetUtcNow())));
        Receive<InitJoinAck>(ack =>
        {
            if (ClusterProtoMapping.TryFromProto(() => Address.Parse(ack.Address), Log, "InitJoinAck with a bad address dropped", out var seed))
                Execute(_seedJoin!.OnInitJoinAck(seed, _clock.GetUtcNow()));
        });
        Receive<JoinSeedNodes>(StartJoining);
        Receive<GossipEnvelope>(OnGossip);
        Receive<Welcome>(OnWelcome);
        Common();
    }

    private void Member()
    {
        Receive<GossipEnvelope>(OnGossip);
        Receive<Welcome>(_ => { });
        Receive<InitJoin>(_ =>
        {
            if (_state.SelfMember?.Status is MemberStatus.Joining or MemberStatus.WeaklyUp or MemberStatus.Up)
                Sender.Tell(new InitJoinAck { Address = _remoting.Address.ToString() });
        });
        Receive<Join>(OnJoin);
        Receive<GossipTick>(_ =>
        {
            if (_state.PickGossipTarget(_random) is { } target) SendGossip(target);
        });
        Receive<LeaderActionsTick>(_ => Apply(_state.PerformLeaderActions(_settings.Leader, _clock.GetUtcNow())));
        Receive<ReachabilityReport>(report => Apply(_state.ApplyReachability(report.Unavailable)));
        Receive<DownUnreachable>(down => Apply(_state.Down(down.Nodes)));
        Receive<DownSelf>(_ => Apply(_state.Down([_state.Self])));
        Receive<DownMember>(down => Apply(_state.Down(down.Address)));
        Receive<LeaveMember>(leave => Apply(_state.Leave(leave.Address)));
        Receive<HeartbeatFromRemoved>(heartbeat => TellRemoved(heartbeat.Node, "heartbeats"));
        Receive<JoinSeedNodes>(_ => Log.Info("join ignored: this node is already a member"));
        Common();
    }

    private void Stopping()
    {
        Common();
    }

    private void Common()
    {
        Receive<SubscribeToClusterEvents>(OnSubscribe);
        Receive<UnsubscribeFromClusterEvents>(u =>
        {
            if (_subscribers.Remove(u.Subscriber)) Context.Unwatch(u.Subscriber);
        });
        Receive<Terminated>(t => _subscribers.Remove(t.ActorRef));
        Receive<ClusterHeartbeatRsp>(_ => { });
        ReceiveAny(message => Log.Debug($"{message.GetType().Name} ignored in phase {Context.BehaviourName}"));
    }

    private void StartJoining(JoinSeedNodes join)
    {
        _seedJoin = null;
        Become(Joining);
        _timers.StartPeriodic(SeedJoinTick.Instance, SeedJoinTick.Instance, _settings.SeedJoinRetryInterval);
        Log.Info($"joining through seed nodes {string.Join(", ", join.Seeds)}");
        Execute(SeedJoinState.Start(_remoting.Address, join.Seeds, _settings.SeedNodeTimeout, _settings.SeedJoinRetryInterval,
            _settings.RetryJoinAfter, _clock.GetUtcNow()));
    }

    private void Execute(SeedJoinStep step)
    {
        _seedJoin = step.State;
        switch (step.Command)
        {
            case SeedJoinCommand.SendInitJoin send:
                foreach (var seed in send.Seeds) DaemonAt(seed).Tell(new InitJoin { From = _selfProto }, Self);
                break;
            case SeedJoinCommand.JoinSeed join:
                Log.Info($"joining through seed {join.Seed}");
                var message = new Join { Node = _selfProto };
                message.Roles.AddRange(_settings.Roles);
                message.Devices.AddRange(_settings.Devices);
                DaemonAt(join.Seed).Tell(message, Self);
                break;
            case SeedJoinCommand.JoinSelf:
                Log.Info("no other seed answered: forming a new cluster");
                Apply(_state.JoinSelf(_settings.Roles, _settings.Devices));
                break;
        }
    }

    private void OnJoin(Join join)
    {
        if (!ClusterProtoMapping.TryFromProto(() => ClusterProtoMapping.FromProto(join.Node), Log, "join request with a bad address dropped", out var joiner))
            return;

        var (step, outcome) = _state.HandleJoin(joiner, join.Roles, [.. join.Devices]);
        Apply(step);
        switch (outcome)
        {
            case JoinOutcome.Joined or JoinOutcome.AlreadyMember:
                var welcome = new Welcome { From = _selfProto, Gossip = ClusterProtoMapping.ToProto(_state.Gossip) };
                welcome.Devices.AddRange(ClusterProtoMapping.ToProto(_state.Devices));
                DaemonAt(joiner.Address).Tell(welcome, Self);
                break;
            case JoinOutcome.RemovedIncarnation:
                Log.Warning($"join refused: {joiner} is a removed incarnation and can never rejoin");
                break;
            case { } other:
                Log.Info($"join of {joiner} postponed ({other}); it will retry");
                break;
        }
    }

    private void OnGossip(GossipEnvelope envelope)
    {
        if (!ClusterProtoMapping.TryFromProto(
                () => (From: ClusterProtoMapping.FromProto(envelope.From), To: ClusterProtoMapping.FromProto(envelope.To),
                    Gossip: ClusterProtoMapping.FromProto(envelope.Gossip), Devices: ClusterProtoMapping.FromProto(envelope.Devices)),
                Log, $"gossip from {Sender.Path.Address} dropped", out var read))
            return;

        var step = _state.ReceiveGossip(read.From, read.To, read.Gossip, read.Devices);
        if (step.Ignored is not null && step.ReplyToSender)
        {
            TellRemoved(read.From, "gossips");
            return;
        }

        Apply(step);
        if (step.ReplyToSender) SendGossip(read.From);
    }

    private void OnWelcome(Welcome welcome)
    {
        if (!ClusterProtoMapping.TryFromProto(
                () => (From: ClusterProtoMapping.FromProto(welcome.From), Gossip: ClusterProtoMapping.FromProto(welcome.Gossip),
                    Devices: ClusterProtoMapping.FromProto(welcome.Devices)),
                Log, $"welcome from {Sender.Path.Address} dropped", out var read))
            return;

        Log.Info($"welcomed by {read.From}");
        Apply(_state.ReceiveGossip(read.From, _state.Self, read.Gossip, read.Devices));
    }

    /// <summary>
    /// A removed incarnation still talks to us: it never saw its removal (it was frozen or cut off while the cluster
    /// downed it). Its messages are never merged; our gossip, which holds its tombstone, makes it stop itself.
    /// </summary>
    private void TellRemoved(UniqueAddress node, string what)
    {
        if (!_state.IsRemovedIncarnation(node)) return;
        var message = $"removed incarnation {node} still {what}: sending it our gossip so it learns it was removed and stops";
        if (_toldRemoved.Add(node)) Log.Info(message);
        else Log.Debug(message);
        SendGossip(node);
    }

    private void Apply(ClusterCoreStep step)
    {
        if (step.Ignored is { } reason)
        {
            Log.Debug(reason);
            return;
        }

        var before = _state;
        _state = step.State;
        if (!ReferenceEquals(before.Gossip, _state.Gossip))
        {
            _cluster.Publish(CurrentClusterState.From(_state));
            _downing.Tell(new GossipChanged(_state.Gossip));
            _heartbeatSender.Tell(new HeartbeatTargets(_state.Gossip.Members.Select(m => m.Node).Where(n => n != _state.Self)
                .ToImmutableSortedSet(UniqueAddressComparer.Instance)));
            if (!before.Gossip.Tombstones.Keys.SequenceEqual(_state.Gossip.Tombstones.Keys))
                _heartbeatReceiver.Tell(new RemovedIncarnations(_state.Gossip.Tombstones.Keys.Where(n => n != _state.Self).ToImmutableHashSet()));
        }

        foreach (var e in step.Events)
        {
            Log.Info($"cluster event: {e}");
            if (e is MemberRemoved removed && removed.Member.Node != _state.Self) Quarantine(removed.Member.Node);
            foreach (var (subscriber, types) in _subscribers)
            {
                if (types.Any(t => t.IsInstanceOfType(e))) subscriber.Tell(e);
            }
        }

        if (step.Changed)
        {
            foreach (var target in _state.GossipTargets) SendGossip(target);
        }

        if (_state.MustStop)
        {
            StopSelf();
        }
        else if (_state.IsMember && Context.BehaviourName != nameof(Member))
        {
            _seedJoin = null;
            _timers.Cancel(SeedJoinTick.Instance);
            _timers.StartPeriodic(GossipTick.Instance, GossipTick.Instance, _settings.GossipInterval);
            _timers.StartPeriodic(LeaderActionsTick.Instance, LeaderActionsTick.Instance, _settings.LeaderActionsInterval);
            Become(Member);
        }
    }

    private void StopSelf()
    {
        if (Context.BehaviourName == nameof(Stopping)) return;
        var status = _state.SelfMember?.Status.ToString() ?? "Removed";
        Log.Warning($"this node is {status} in the cluster: shutting down (a restart joins as a new incarnation)");
        _timers.Dispose();
        Become(Stopping);
        Context.System.CoordinatedShutdown.Run(new ClusterDowningReason($"{_state.Self} is {status}"));
    }

    private void Quarantine(UniqueAddress node)
    {
        try
        {
            _remoting.Transport.Quarantine(
                new UniqueRemoteAddress(RemoteActorSystem.ToRemoteAddress(node.Address), unchecked((ulong)node.Uid)), "removed from the cluster");
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException or ArgumentException)
        {
            Log.Debug($"quarantine of {node} skipped: {e.Message}");
        }
    }

    private void OnSubscribe(SubscribeToClusterEvents subscribe)
    {
        _subscribers[subscribe.Subscriber] = subscribe.To;
        Context.Watch(subscribe.Subscriber);
        subscribe.Subscriber.Tell(CurrentClusterState.From(_state));
    }

    private void SendGossip(UniqueAddress to)
    {
        var envelope = new GossipEnvelope { From = _selfProto, To = ClusterProtoMapping.ToProto(to), Gossip = ClusterProtoMapping.ToProto(_state.Gossip) };
        envelope.Devices.AddRange(ClusterProtoMapping.ToProto(_state.Devices));
        DaemonAt(to.Address).Tell(envelope, Self);
    }

    private IActorRef DaemonAt(Address node) => _remoting.ResolveRemote($"{node}/system/{Name}");
}
