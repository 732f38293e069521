using System.Collections.Immutable;
using ActorCodistill.Cluster.Membership;

namespace ActorCodistill.Cluster.Sharding;

/// <summary>One shard to move from an over-loaded region to an under-loaded one.</summary>
public sealed record ShardMove(string Shard, UniqueAddress From, UniqueAddress To);

/// <summary>
/// The phases of one handoff, in order (Akka's rebalance worker):
/// <list type="number">
/// <item><see cref="AwaitingBeginAcks"/>: every region was sent BeginHandoff and must stop routing to the old home
/// and start buffering; the coordinator waits for each ack (dead regions are dropped from the wait).</item>
/// <item><see cref="Stopping"/>: the old region was sent HandOff; it stops the shard's entities and answers ShardStopped.</item>
/// </list>
/// On ShardStopped the shard is allocated on <see cref="HandoffPlan.To"/> (or by least shards if that region died)
/// and the regions flush their buffers to the new home.
/// </summary>
public enum HandoffPhase
{
    AwaitingBeginAcks,
    Stopping,
}

/// <param name="To">The target region; null once it died, so the shard goes wherever least-shards says.</param>
public sealed record HandoffPlan(
    string Shard,
    UniqueAddress From,
    UniqueAddress? To,
    HandoffPhase Phase,
    ImmutableSortedSet<UniqueAddress> PendingAcks);

/// <summary>What the coordinator actor must send after a handoff step.</summary>
public abstract record HandoffCommand
{
    private HandoffCommand()
    {
    }

    /// <summary>Tell these regions to stop routing to the shard's old home and buffer instead.</summary>
    public sealed record SendBeginHandoff(string Shard, ImmutableArray<UniqueAddress> Regions) : HandoffCommand;

    /// <summary>Tell the old region to stop the shard's entities and answer ShardStopped.</summary>
    public sealed record SendHandoff(string Shard, UniqueAddress Region) : HandoffCommand;
}

/// <summary>A new coordinator state plus the commands it implies.</summary>
public sealed record HandoffStep(ShardCoordinatorState State, ImmutableArray<HandoffCommand> Commands);
