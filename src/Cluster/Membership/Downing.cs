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

/// <summary>A split-brain resolution rule: what this node does about the members it sees as unreachable.</summary>
public interface IDowningStrategy
{
    /// <summary>The configuration name (<c>cluster.downing.strategy</c>), for log lines.</summary>
    string Name { get; }

    DowningDecision Decide(DowningView view, DateTimeOffset now);
}

/// <summary>The part every strategy shares: nothing unreachable, not yet stable, or the members that count.</summary>
internal static class DowningRules
{
    /// <summary>The counted members, or the reason to wait: nothing unreachable, the view not stable long enough, nobody to count.</summary>
    public static (List<UniqueAddress>? Counted, DowningDecision.Wait? Wait) Counted(DowningView view, DateTimeOffset now, TimeSpan stableAfter, string? role)
    {
        if (view.Unreachable.IsEmpty) return (null, new DowningDecision.Wait("no member is unreachable"));
        var stableFor = now - view.StableSince;
        if (stableFor < stableAfter)
            return (null, new DowningDecision.Wait($"reachability changed {stableFor.TotalMilliseconds:F0} ms ago; stable-after is {stableAfter.TotalMilliseconds:F0} ms"));
        var counted = Member.OldestFirst(view.Members, role).ToList();
        if (counted.Count == 0) return (null, new DowningDecision.Wait(role is null ? "no Up member to count" : $"no Up member has role '{role}'"));
        return (counted, null);
    }
}

/// <summary>
/// Keep-majority split-brain resolution (Akka SBR's <c>keep-majority</c>). Once the unreachable set has been stable
/// for <see cref="StableAfter"/>, the side holding more of the counted members survives and Downs the other; on a tie
/// the side holding the lowest address (<see cref="UniqueAddress.CompareTo"/>) survives; a minority side Downs itself.
/// Counted members are those Up, Leaving or Exiting (Joining/WeaklyUp ones do not vote, as in Akka), narrowed to
/// <see cref="Role"/> when set; the losing side is downed whole, whatever its roles.
/// </summary>
public sealed record KeepMajority(TimeSpan StableAfter, string? Role = null) : IDowningStrategy
{
    public string Name => "keep-majority";

    public DowningDecision Decide(DowningView view, DateTimeOffset now)
    {
        var (counted, wait) = DowningRules.Counted(view, now, StableAfter, Role);
        if (counted is null) return wait!;

        var unreachableCount = counted.Count(view.Unreachable.Contains);
        var reachableCount = counted.Count - unreachableCount;
        var keepThisSide = reachableCount != unreachableCount
            ? reachableCount > unreachableCount
            : !view.Unreachable.Contains(counted.Min(UniqueAddressComparer.Instance)!);
        return keepThisSide ? new DowningDecision.DownTheseNodes(view.Unreachable) : new DowningDecision.DownMyself();
    }
}

/// <summary>
/// Keep-oldest split-brain resolution (Akka SBR's <c>keep-oldest</c>): the side that can reach the oldest counted
/// member (lowest up-number, then lowest address) survives and Downs the unreachable ones; the other side Downs
/// itself, however many it is. With <see cref="DownIfAlone"/>, an oldest that is alone on its side goes instead
/// (the others survive), so one isolated node cannot take the cluster down with it. A training cluster wants it off:
/// its seed, which hosts the coordinator and every group, is the oldest, and nothing trains without it; worker
/// nodes that lose it restart as new incarnations and rejoin when it is back.
/// </summary>
public sealed record KeepOldest(TimeSpan StableAfter, bool DownIfAlone = true, string? Role = null) : IDowningStrategy
{
    public string Name => "keep-oldest";

    public DowningDecision Decide(DowningView view, DateTimeOffset now)
    {
        var (counted, wait) = DowningRules.Counted(view, now, StableAfter, Role);
        if (counted is null) return wait!;

        var oldest = counted[0];
        var reachable = counted.Where(n => !view.Unreachable.Contains(n)).ToList();
        var unreachable = counted.Count - reachable.Count;
        if (!view.Unreachable.Contains(oldest))
        {
            // Our side has the oldest. Alone, with others on the far side, it gives way when DownIfAlone says so.
            var oldestAlone = reachable.Count == 1 && unreachable > 0 && counted.Count > 2;
            return DownIfAlone && oldestAlone ? new DowningDecision.DownMyself() : new DowningDecision.DownTheseNodes(view.Unreachable);
        }
        // The oldest is on the far side: we survive only if it is alone there and DownIfAlone lets us down it.
        var farSideIsOldestAlone = unreachable == 1 && counted.Count > 2;
        return DownIfAlone && farSideIsOldestAlone ? new DowningDecision.DownTheseNodes(view.Unreachable) : new DowningDecision.DownMyself();
    }
}
