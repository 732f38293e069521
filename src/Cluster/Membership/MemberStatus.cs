using System.Collections.Immutable;

namespace ActorCodistill.Cluster.Membership;

/// <summary>The lifecycle of a member; the legal moves are in <see cref="MemberStatusTransitions"/>.</summary>
public enum MemberStatus
{
    Joining,
    WeaklyUp,
    Up,
    Leaving,
    Exiting,
    Down,
    Removed,
}

/// <summary>
/// The one table of allowed status changes (Akka's <c>Member.AllowedTransitions</c>):
/// <code>
/// Joining  -> WeaklyUp, Up, Leaving, Down, Removed
/// WeaklyUp -> Up, Leaving, Down, Removed
/// Up       -> Leaving, Down, Removed
/// Leaving  -> Exiting, Down, Removed
/// Exiting  -> Down, Removed
/// Down     -> Removed
/// Removed  -> (nothing: a removed incarnation never comes back; a restart is a new member)
/// </code>
/// Staying in the same status is not a transition; <see cref="Member.WithStatus"/> treats it as a no-op.
/// </summary>
public static class MemberStatusTransitions
{
    public static readonly ImmutableDictionary<MemberStatus, ImmutableHashSet<MemberStatus>> Allowed =
        new Dictionary<MemberStatus, ImmutableHashSet<MemberStatus>>
        {
            [MemberStatus.Joining] = [MemberStatus.WeaklyUp, MemberStatus.Up, MemberStatus.Leaving, MemberStatus.Down, MemberStatus.Removed],
            [MemberStatus.WeaklyUp] = [MemberStatus.Up, MemberStatus.Leaving, MemberStatus.Down, MemberStatus.Removed],
            [MemberStatus.Up] = [MemberStatus.Leaving, MemberStatus.Down, MemberStatus.Removed],
            [MemberStatus.Leaving] = [MemberStatus.Exiting, MemberStatus.Down, MemberStatus.Removed],
            [MemberStatus.Exiting] = [MemberStatus.Down, MemberStatus.Removed],
            [MemberStatus.Down] = [MemberStatus.Removed],
            [MemberStatus.Removed] = [],
        }.ToImmutableDictionary();

    public static bool IsAllowed(MemberStatus from, MemberStatus to) => Allowed[from].Contains(to);

    /// <exception cref="IllegalMemberTransitionException">When the table has no arrow from <paramref name="from"/> to <paramref name="to"/>.</exception>
    public static void Require(UniqueAddress node, MemberStatus from, MemberStatus to)
    {
        if (!IsAllowed(from, to))
        {
            throw new IllegalMemberTransitionException(node, from, to);
        }
    }
}

public sealed class IllegalMemberTransitionException(UniqueAddress node, MemberStatus from, MemberStatus to)
    : InvalidOperationException($"Member {node} cannot move from {from} to {to}; allowed from {from}: " +
        $"[{string.Join(", ", MemberStatusTransitions.Allowed[from].OrderBy(s => s))}].")
{
    public UniqueAddress Node { get; } = node;

    public MemberStatus From { get; } = from;

    public MemberStatus To { get; } = to;
}
