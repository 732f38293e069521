using System.Collections.Immutable;

namespace ActorCodistill.Cluster.Membership;

/// <summary>What a downing strategy tells this node to do.</summary>
public abstract record DowningDecision
{
    /// <summary>This side survives: Down these unreachable members (only the leader acts on it).</summary>
    public sealed record DownTheseNodes(ImmutableSortedSet<UniqueAddress> Nodes) : DowningDecision;

    /// <summary>This side loses: the node must Down itself and stop.</summary>
    public sealed record DownMyself : DowningDecision;

    /// <summary>Nothing to decide yet, with the reason (nothing unreachable, view not yet stable, ...).</summary>
    public sealed record Wait(string Reason) : DowningDecision;
}

/// <summary>
/// One node's view of the cluster for downing: its members, which of them it sees as unreachable, and since
/// when that set has been unchanged. Built from a gossip with <see cref="From"/>, stability tracked with <see cref="Observe"/>.
/// </summary>
public sealed record DowningView(
    UniqueAddress Self,
    ImmutableSortedSet<Member> Members,
    ImmutableSortedSet<UniqueAddress> Unreachable,
    DateTimeOffset StableSince)
{
    public static DowningView From(Gossip gossip, UniqueAddress self, DateTimeOffset now) =>
        new(self, gossip.Members, UnreachableIn(gossip, self), now);

    /// <summary>The view after a new gossip at <paramref name="now"/>; the stability clock restarts only when the unreachable set (or membership) changed.</summary>
    public DowningView Observe(Gossip gossip, DateTimeOffset now)
    {
        var unreachable = UnreachableIn(gossip, Self);
        var same = unreachable.SetEquals(Unreachable) && gossip.Members.Select(m => m.Node).SequenceEqual(Members.Select(m => m.Node));
        return new DowningView(Self, gossip.Members, unreachable, same ? StableSince : now);
    }

    private static ImmutableSortedSet<UniqueAddress> UnreachableIn(Gossip gossip, UniqueAddress self) =>
        gossip.ReachabilityExcludingDownedObservers.AllUnreachable
            .Where(n => n != self && gossip.Member(n)?.Status is not (null or MemberStatus.Down or MemberStatus.Removed))
            .ToImmutableSortedSet(UniqueAddressComparer.Instance);
}

/// <summary>
/// Keep-majority split-brain resolution (Akka SBR's <c>keep-majority</c>). Once the unreachable set has been stable
/// for <see cref="StableAfter"/>, the side holding more of the counted members survives and Downs the other; on a tie
/// the side holding the lowest address (<see cref="UniqueAddress.CompareTo"/>) survives; a minority side Downs itself.
/// Counted members are those Up, Leaving or Exiting (Joining/WeaklyUp ones do not vote, as in Akka), narrowed to
/// <see cref="Role"/> when set; the losing side is downed whole, whatever its roles.
/// </summary>
public sealed record KeepMajority(TimeSpan StableAfter, string? Role = null)
{
    public DowningDecision Decide(DowningView view, DateTimeOffset now)
    {
        if (view.Unreachable.IsEmpty)
        {
            return new DowningDecision.Wait("no member is unreachable");
        }

        var stableFor = now - view.StableSince;
        if (stableFor < StableAfter)
        {
            return new DowningDecision.Wait($"reachability changed {stableFor.TotalMilliseconds:F0} ms ago; stable-after is {StableAfter.TotalMilliseconds:F0} ms");
        }

        var counted = view.Members
            .Where(m => m.Status is MemberStatus.Up or MemberStatus.Leaving or MemberStatus.Exiting)
            .Where(m => Role is null || m.HasRole(Role))
            .Select(m => m.Node)
            .ToList();
        if (counted.Count == 0)
        {
            return new DowningDecision.Wait(Role is null ? "no Up member to count" : $"no Up member has role '{Role}'");
        }

        var unreachableCount = counted.Count(view.Unreachable.Contains);
        var reachableCount = counted.Count - unreachableCount;
        var keepThisSide = reachableCount != unreachableCount
            ? reachableCount > unreachableCount
            : !view.Unreachable.Contains(counted.Min(UniqueAddressComparer.Instance)!);
        return keepThisSide ? new DowningDecision.DownTheseNodes(view.Unreachable) : new DowningDecision.DownMyself();
    }
}
