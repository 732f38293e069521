using System.Collections.Immutable;

namespace ActorCodistill.Cluster.Membership;

/// <summary>What subscribers are told; derived only by diffing two gossips, so every node tells the same story.</summary>
public abstract record ClusterEvent;

public abstract record MemberEvent(Member Member) : ClusterEvent;

public sealed record MemberJoined(Member Member) : MemberEvent(Member);

public sealed record MemberWeaklyUp(Member Member) : MemberEvent(Member);

public sealed record MemberUp(Member Member) : MemberEvent(Member);

public sealed record MemberLeft(Member Member) : MemberEvent(Member);

public sealed record MemberExited(Member Member) : MemberEvent(Member);

public sealed record MemberDowned(Member Member) : MemberEvent(Member);

/// <param name="Member">The member with status Removed.</param>
public sealed record MemberRemoved(Member Member, MemberStatus PreviousStatus) : MemberEvent(Member);

public sealed record UnreachableMember(Member Member) : ClusterEvent;

public sealed record ReachableMember(Member Member) : ClusterEvent;

/// <param name="Leader">Null when no member can lead.</param>
public sealed record LeaderChanged(UniqueAddress? Leader) : ClusterEvent;

public static class ClusterEvents
{
    /// <summary>
    /// The events that take <paramref name="old"/> to <paramref name="new"/> as <paramref name="self"/> sees them, in a
    /// fixed order: status changes (members in address order), removals, newly unreachable, newly reachable, then a
    /// leader change. A member that appears already past Joining gets the event of its current status only.
    /// </summary>
    public static ImmutableArray<ClusterEvent> Diff(Gossip old, Gossip @new, UniqueAddress self)
    {
        var events = ImmutableArray.CreateBuilder<ClusterEvent>();
        foreach (var member in @new.Members)
        {
            if (old.Member(member.Node)?.Status != member.Status && StatusEvent(member) is { } e)
            {
                events.Add(e);
            }
        }

        foreach (var gone in old.Members.Where(m => !@new.HasMember(m.Node)))
        {
            events.Add(new MemberRemoved(gone with { Status = MemberStatus.Removed }, gone.Status));
        }

        var oldUnreachable = old.ReachabilityExcludingDownedObservers.AllUnreachable;
        var newUnreachable = @new.ReachabilityExcludingDownedObservers.AllUnreachable;
        foreach (var node in newUnreachable.Except(oldUnreachable))
        {
            if (node != self && @new.Member(node) is { } m)
            {
                events.Add(new UnreachableMember(m));
            }
        }

        foreach (var node in oldUnreachable.Except(newUnreachable))
        {
            if (node != self && @new.Member(node) is { } m)
            {
                events.Add(new ReachableMember(m));
            }
        }

        var leader = @new.Leader(self);
        if (leader != old.Leader(self))
        {
            events.Add(new LeaderChanged(leader));
        }

        return events.ToImmutable();
    }

    private static ClusterEvent? StatusEvent(Member member) => member.Status switch
    {
        MemberStatus.Joining => new MemberJoined(member),
        MemberStatus.WeaklyUp => new MemberWeaklyUp(member),
        MemberStatus.Up => new MemberUp(member),
        MemberStatus.Leaving => new MemberLeft(member),
        MemberStatus.Exiting => new MemberExited(member),
        MemberStatus.Down => new MemberDowned(member),
        _ => null,
    };
}
