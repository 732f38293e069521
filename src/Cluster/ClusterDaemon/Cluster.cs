using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.ClusterDaemon.Protocol;
using ActorCodistill.Cluster.Membership;
using ActorCodistill.Cluster.Remoting;

namespace ActorCodistill.Cluster.ClusterDaemon;

/// <summary>
/// The cluster extension of one <see cref="RemoteActorSystem"/> (Akka's <c>Cluster.Get(system)</c>): this node's
/// membership as last seen by its <see cref="ClusterCoreDaemon"/>, event subscriptions, and the join / leave / down
/// commands. Membership time (gossip, leader actions, heartbeats, downing) runs on the clock given to
/// <see cref="Start"/>, so tests can drive it while the transport keeps real time.
/// </summary>
public sealed class Cluster
{
    /// <summary>
    /// How long coordinated shutdown's cluster-leave task waits for the leader to move this node to Exiting (Akka's
    /// default phase timeout); past it the node stops anyway and the others see it unreachable and down it.
    /// </summary>
    public static readonly TimeSpan LeaveTimeout = TimeSpan.FromSeconds(5);

    private const string LeaveTaskName = "cluster-leave";

    private static readonly ConditionalWeakTable<ActorSystem, Cluster> Registry = new();
    private static readonly object StartGate = new();

    // Completed by Publish once this node is Exiting, Down or gone from the membership it was part of.
    private readonly TaskCompletionSource _leftMembership = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CurrentClusterState _state = CurrentClusterState.Empty;
    private bool _wasMember;

    private Cluster(RemoteActorSystem remoting, ClusterDaemonSettings settings)
    {
        Remoting = remoting;
        Settings = settings;
        SelfUniqueAddress = new UniqueAddress(remoting.Address, unchecked((long)remoting.LocalAddress.Uid));
        Daemon = ActorRefs.Nobody;
    }

    public RemoteActorSystem Remoting { get; }

    public ActorSystem System => Remoting.System;

    public ClusterDaemonSettings Settings { get; }

    /// <summary>This incarnation; the uid is the transport's, so a quarantine and a tombstone name the same thing.</summary>
    public UniqueAddress SelfUniqueAddress { get; }

    public Address SelfAddress => SelfUniqueAddress.Address;

    /// <summary>The daemon at <c>/system/cluster</c>.</summary>
    public IActorRef Daemon { get; private set; }

    /// <summary>The membership as this node last saw it (updated by the daemon after every change).</summary>
    public CurrentClusterState State => Volatile.Read(ref _state);

    /// <summary>This node as a member; status Removed before it joined (as in Akka) and after it was removed.</summary>
    public Member SelfMember =>
        State.Members.FirstOrDefault(m => m.Node == SelfUniqueAddress)
        ?? new Member(SelfUniqueAddress, MemberStatus.Removed, Settings.Roles.ToImmutableHashSet(StringComparer.Ordinal), Member.NotUp);

    /// <summary>
    /// Registers the cluster protocol with remoting and starts the daemon. It joins <c>settings.SeedNodes</c> at once
    /// when there are any; otherwise call <see cref="Join"/> or <see cref="JoinSeedNodes"/>. A node that is downed or
    /// removed runs coordinated shutdown, and the system's termination closes its transport. A graceful shutdown
    /// leaves the cluster first (the cluster-leave phase, see <see cref="LeaveTimeout"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException">When a cluster already runs on this system.</exception>
    public static Cluster Start(RemoteActorSystem remoting, ClusterDaemonSettings? settings = null, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(remoting);
        var validated = settings ?? ClusterDaemonSettings.Default;
        validated.Validate();
        lock (StartGate)
        {
            if (Registry.TryGetValue(remoting.System, out _))
                throw new InvalidOperationException($"a cluster already runs on actor system {remoting.Address}");
            var cluster = new Cluster(remoting, validated);
            RegisterSerializers(remoting.Serializers);
            var time = clock ?? remoting.System.TimeProvider;
            cluster.Daemon = remoting.System.SystemActorOf(
                Props.Create(() => new ClusterCoreDaemon(cluster, remoting, validated, time)), ClusterCoreDaemon.Name);
            Registry.Add(remoting.System, cluster);
            remoting.Transport.AssociationChanged += cluster.ForgetGoneClient;
            remoting.System.CoordinatedShutdown.AddTask(CoordinatedShutdown.PhaseClusterLeave, LeaveTaskName, cluster.LeaveOnShutdownAsync);
            remoting.System.WhenTerminated.ContinueWith(_ => remoting.ShutdownAsync(), CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return cluster;
        }
    }

    /// <summary>
    /// A peer that is no member (a client such as ctl, which connects, asks and exits) is not reconnected to once the
    /// connection this node opened to answer it is lost: its endpoint is forgotten. Before, the transport retried a
    /// finished ctl's address for ever, a warning every ~10 s per past call (issue 19, finding 8). A member's endpoint is
    /// left alone: membership and downing decide about members.
    /// </summary>
    private void ForgetGoneClient(Remote.AssociationEvent e)
    {
        if (e is not Remote.Disassociated { Channel: Remote.Protocol.ChannelKind.Control, Inbound: false } lost) return;
        var state = State;
        if (state.Members.Any(m => IsAt(m, lost.Peer)) || state.Unreachable.Any(m => IsAt(m, lost.Peer))) return;
        Remoting.System.Log.Info($"forgetting {lost.Peer}: it is no member of the cluster (a client such as ctl that has gone), so it is not reconnected to");
        _ = Task.Run(() => Remoting.Transport.ForgetAsync(lost.Peer));
    }

    private static bool IsAt(Member member, Remote.RemoteAddress peer) =>
        member.Node.Address.Host == peer.Host && member.Node.Address.Port == peer.Port;

    /// <summary>The cluster of <paramref name="system"/>, started with default settings on first use.</summary>
    public static Cluster Get(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        lock (StartGate)
        {
            if (Registry.TryGetValue(system, out var cluster)) return cluster;
        }

        try
        {
            return Start(RemoteActorSystem.For(system));
        }
        catch (InvalidOperationException) when (Registry.TryGetValue(system, out var raced))
        {
            return raced;
        }
    }

    /// <summary>
    /// <paramref name="subscriber"/> receives a <see cref="CurrentClusterState"/> at once, then every
    /// <see cref="ClusterEvent"/> assignable to one of <paramref name="to"/> (all cluster events when none is given).
    /// </summary>
    public void Subscribe(IActorRef subscriber, params Type[] to)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        Daemon.Tell(new SubscribeToClusterEvents(subscriber, to.Length == 0 ? [typeof(ClusterEvent)] : [.. to]));
    }

    public void Unsubscribe(IActorRef subscriber) => Daemon.Tell(new UnsubscribeFromClusterEvents(subscriber));

    /// <summary>Joins the cluster that <paramref name="address"/> belongs to; this node's own address forms a new cluster.</summary>
    public void Join(Address address) => JoinSeedNodes([address]);

    /// <summary>Joins through the first seed that answers; only the first seed in the list may form a cluster alone.</summary>
    public void JoinSeedNodes(IEnumerable<Address> seeds)
    {
        var list = seeds.ToImmutableArray();
        if (list.IsEmpty) throw new ArgumentException("no seed node given to join", nameof(seeds));
        Daemon.Tell(new JoinSeedNodes(list));
    }

    /// <summary>Asks the member at <paramref name="address"/> to leave gracefully (Leaving -> Exiting -> Removed; it then stops).</summary>
    public void Leave(Address address) => Daemon.Tell(new LeaveMember(address));

    /// <summary>Marks the member at <paramref name="address"/> Down; the leader removes it and it stops itself if it still runs.</summary>
    public void Down(Address address) => Daemon.Tell(new DownMember(address));

    internal void Publish(CurrentClusterState state)
    {
        Volatile.Write(ref _state, state);
        var self = state.Members.FirstOrDefault(m => m.Node == SelfUniqueAddress);
        if (self is not null) _wasMember = true;
        if ((self is null && _wasMember) || self?.Status is MemberStatus.Exiting or MemberStatus.Down) _leftMembership.TrySetResult();
    }

    /// <summary>
    /// The cluster-leave phase of coordinated shutdown (as Akka's): a member that stops on its own asks to leave and
    /// waits, at most <see cref="LeaveTimeout"/>, until the leader has moved it to Exiting, so the others see it
    /// Leaving -> Exiting -> Removed instead of unreachable and downed. Nothing to do when this node was downed or
    /// removed (that is why it stops), is not a member, is alone, or its transport is already closed (an abort, as
    /// kill -9, where no Leave could reach anyone).
    /// </summary>
    private async Task LeaveOnShutdownAsync()
    {
        if (System.CoordinatedShutdown.ShutdownReason is ClusterDowningReason) return;
        var state = State;
        var self = state.Members.FirstOrDefault(m => m.Node == SelfUniqueAddress);
        if (self?.Status is not (MemberStatus.Joining or MemberStatus.WeaklyUp or MemberStatus.Up or MemberStatus.Leaving)) return;
        var peer = state.Members.FirstOrDefault(m => m.Node != SelfUniqueAddress && m.Status is not (MemberStatus.Down or MemberStatus.Exiting));
        if (peer is null) return;
        if (!TransportOpen(peer.Node.Address))
        {
            System.Log.Info("cluster leave skipped: the transport is already closed");
            return;
        }

        System.Log.Info($"leaving the cluster ({self.Status}) before shutting down");
        Leave(SelfAddress);
        try
        {
            await _leftMembership.Task.WaitAsync(LeaveTimeout, System.TimeProvider).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            System.Log.Warning($"cluster leave not confirmed within {LeaveTimeout.TotalSeconds:0.#} s (no leader moved this node to Exiting); " +
                "shutting down anyway: the others will see it unreachable and down it");
        }
    }

    // The transport has no "closed" flag: looking up a peer's endpoint throws once it is disposed. A member's
    // endpoint already exists, so this starts no new connection.
    private bool TransportOpen(Address peer)
    {
        try
        {
            _ = Remoting.IsAssociated(peer);
            return true;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    internal static void RegisterSerializers(SerializerRegistry serializers)
    {
        serializers.AddProtobuf<GossipEnvelope>();
        serializers.AddProtobuf<InitJoin>();
        serializers.AddProtobuf<InitJoinAck>();
        serializers.AddProtobuf<Join>();
        serializers.AddProtobuf<Welcome>();
        serializers.AddProtobuf<ClusterHeartbeat>();
        serializers.AddProtobuf<ClusterHeartbeatRsp>();
    }
}
