using System.Collections.Immutable;
using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.Membership;

namespace ActorCodistill.Cluster.ClusterDaemon;

/// <summary>Local messages of the cluster daemon family; those that cross nodes are in cluster.proto.</summary>
public abstract record ClusterCommand;

/// <summary>Start joining through these seeds (the first may form a new cluster alone).</summary>
public sealed record JoinSeedNodes(ImmutableArray<Address> Seeds) : ClusterCommand;

public sealed record LeaveMember(Address Address) : ClusterCommand;

public sealed record DownMember(Address Address) : ClusterCommand;

/// <summary>The subscriber gets a <see cref="CurrentClusterState"/> at once, then every event assignable to one of <paramref name="To"/>.</summary>
public sealed record SubscribeToClusterEvents(IActorRef Subscriber, ImmutableArray<Type> To) : ClusterCommand;

public sealed record UnsubscribeFromClusterEvents(IActorRef Subscriber) : ClusterCommand;

/// <summary>The membership as one node sees it; the snapshot a subscriber gets first and <see cref="Cluster.State"/>.</summary>
/// <param name="Unreachable">Members some non-Down member observes as unreachable (self excluded).</param>
/// <param name="Devices">The device slots each member offers.</param>
public sealed record CurrentClusterState(
    ImmutableSortedSet<Member> Members,
    ImmutableSortedSet<Member> Unreachable,
    UniqueAddress? Leader,
    ImmutableDictionary<UniqueAddress, ImmutableArray<string>> Devices)
{
    public static CurrentClusterState Empty { get; } = From(ClusterCoreState.Initial(new UniqueAddress(Address.Local("none"), 0)));

    public static CurrentClusterState From(ClusterCoreState state)
    {
        var unreachable = state.Gossip.ReachabilityExcludingDownedObservers.AllUnreachable;
        return new CurrentClusterState(
            state.Gossip.Members,
            state.Gossip.Members.Where(m => m.Node != state.Self && unreachable.Contains(m.Node)).ToImmutableSortedSet(MemberAddressComparer.Instance),
            state.IsMember ? state.Gossip.Leader(state.Self) : null,
            state.Devices);
    }

    public ImmutableArray<string> DevicesOf(UniqueAddress node) => Devices.GetValueOrDefault(node, []);
}

/// <summary>Why a node ran coordinated shutdown on its own: it was downed or removed from the cluster.</summary>
public sealed record ClusterDowningReason(string Detail) : CoordinatedShutdown.Reason;

internal abstract record ClusterInternal;

internal sealed record SeedJoinTick : ClusterInternal
{
    public static readonly SeedJoinTick Instance = new();
}

internal sealed record GossipTick : ClusterInternal
{
    public static readonly GossipTick Instance = new();
}

internal sealed record LeaderActionsTick : ClusterInternal
{
    public static readonly LeaderActionsTick Instance = new();
}

internal sealed record HeartbeatTick : ClusterInternal
{
    public static readonly HeartbeatTick Instance = new();
}

internal sealed record DowningTick : ClusterInternal
{
    public static readonly DowningTick Instance = new();
}

/// <summary>Daemon -> heartbeat sender: the members to monitor (everyone but self).</summary>
internal sealed record HeartbeatTargets(ImmutableSortedSet<UniqueAddress> Nodes) : ClusterInternal;

/// <summary>Heartbeat sender -> daemon, every heartbeat tick: the monitored members the detectors give up on.</summary>
internal sealed record ReachabilityReport(ImmutableHashSet<UniqueAddress> Unavailable) : ClusterInternal;

/// <summary>Daemon -> downing provider: the gossip changed.</summary>
internal sealed record GossipChanged(Gossip Gossip) : ClusterInternal;

/// <summary>Downing provider -> daemon (leader only): Down these unreachable members.</summary>
internal sealed record DownUnreachable(ImmutableSortedSet<UniqueAddress> Nodes) : ClusterInternal;

/// <summary>Downing provider -> daemon: this side lost; Down ourselves and stop.</summary>
internal sealed record DownSelf : ClusterInternal;

/// <summary>Daemon -> heartbeat receiver: the removed incarnations (tombstones), whose heartbeats it must not answer.</summary>
internal sealed record RemovedIncarnations(ImmutableHashSet<UniqueAddress> Nodes) : ClusterInternal;

/// <summary>Heartbeat receiver -> daemon: a removed incarnation still heartbeats us; tell it with our gossip.</summary>
internal sealed record HeartbeatFromRemoved(UniqueAddress Node) : ClusterInternal;
