using System.Collections.Immutable;
using ActorCodistill.Cluster.Actors;

namespace ActorCodistill.Cluster.Membership;

/// <summary>What happened to a join request; the joining node retries on anything but <see cref="Joined"/> and <see cref="AlreadyMember"/>.</summary>
public enum JoinOutcome
{
    Joined,
    AlreadyMember,

    /// <summary>Another incarnation held the address and was Down-ed now; the new one may join once the leader removes it.</summary>
    PreviousIncarnationDowned,

    /// <summary>Another incarnation holds the address and is already Down; waiting for the leader to remove it.</summary>
    PreviousIncarnationPending,

    /// <summary>This exact incarnation was removed before; a removed member never comes back.</summary>
    RemovedIncarnation,
}

/// <summary>
/// The replicated membership state every node holds and gossips (Akka's <c>Gossip</c> + <c>GossipOverview</c>).
/// Every local change (<see cref="Join"/>, <see cref="Leave"/>, <see cref="Down"/>, reachability marks, leader
/// actions) is made by a named node, bumps that node's counter in <see cref="Version"/> and resets
/// <see cref="SeenBy"/> to that node alone; receiving a gossip is <see cref="Merge"/> followed by <see cref="Seen"/>.
/// </summary>
/// <param name="Members">Current members in address order; Removed members are not kept here.</param>
/// <param name="Tombstones">Removed incarnations with their removal time, so a merge with an old gossip cannot resurrect them.</param>
public sealed record Gossip(
    ImmutableSortedSet<Member> Members,
    Reachability Reachability,
    VectorClock Version,
    ImmutableHashSet<UniqueAddress> SeenBy,
    ImmutableSortedDictionary<UniqueAddress, DateTimeOffset> Tombstones)
{
    public static readonly Gossip Empty = new(
        ImmutableSortedSet.Create<Member>(MemberAddressComparer.Instance),
        Reachability.Empty,
        VectorClock.Empty,
        ImmutableHashSet<UniqueAddress>.Empty,
        ImmutableSortedDictionary.Create<UniqueAddress, DateTimeOffset>(UniqueAddressComparer.Instance));

    public Member? Member(UniqueAddress node) =>
        Members.FirstOrDefault(m => m.Node == node);

    public Member? MemberAt(Address address) =>
        Members.FirstOrDefault(m => m.Node.Address == address);

    public bool HasMember(UniqueAddress node) => Member(node) is not null;

    public bool HasSeen(UniqueAddress node) => SeenBy.Contains(node);

    /// <summary>Records that <paramref name="node"/> holds exactly this version (no version bump: seeing is not a change).</summary>
    public Gossip Seen(UniqueAddress node) => SeenBy.Contains(node) ? this : this with { SeenBy = SeenBy.Add(node) };

    /// <summary>
    /// Adds <paramref name="joining"/> as Joining. A different incarnation at the same address is Down-ed first
    /// (it is certainly dead: its address now belongs to a new process) and the newcomer must retry until the
    /// leader has removed the old one, so one address never has two live members.
    /// </summary>
    public (Gossip Gossip, JoinOutcome Outcome) Join(UniqueAddress self, UniqueAddress joining, IEnumerable<string>? roles = null)
    {
        if (Tombstones.ContainsKey(joining))
        {
            return (this, JoinOutcome.RemovedIncarnation);
        }

        if (HasMember(joining))
        {
            return (this, JoinOutcome.AlreadyMember);
        }

        if (MemberAt(joining.Address) is { } previous)
        {
            if (previous.Status == MemberStatus.Down)
            {
                return (this, JoinOutcome.PreviousIncarnationPending);
            }

            var downed = ReplaceMember(previous.WithStatus(MemberStatus.Down));
            if (previous.Node != self && HasMember(self))
            {
                downed = downed with { Reachability = downed.Reachability.Unreachable(self, previous.Node) };
            }

            return (downed.ChangedBy(self), JoinOutcome.PreviousIncarnationDowned);
        }

        var added = this with { Members = Members.Add(Membership.Member.Joining(joining, roles)) };
        return (added.ChangedBy(self), JoinOutcome.Joined);
    }

    /// <summary>Moves the member at <paramref name="address"/> to Leaving; a no-op when it is already leaving or gone.</summary>
    public Gossip Leave(UniqueAddress self, Address address)
    {
        var member = MemberAt(address);
        return member?.Status is MemberStatus.Joining or MemberStatus.WeaklyUp or MemberStatus.Up
            ? ReplaceMember(member.WithStatus(MemberStatus.Leaving)).ChangedBy(self)
            : this;
    }

    /// <summary>Marks <paramref name="node"/> Down (the downing strategy's or an operator's verdict); the leader removes it on convergence.</summary>
    public Gossip Down(UniqueAddress self, UniqueAddress node)
    {
        var member = Member(node);
        return member is null || member.Status == MemberStatus.Down
            ? this
            : ReplaceMember(member.WithStatus(MemberStatus.Down)).ChangedBy(self);
    }

    public Gossip MarkUnreachable(UniqueAddress self, UniqueAddress subject) =>
        ChangeReachability(self, subject, Reachability.Unreachable(self, subject));

    public Gossip MarkReachable(UniqueAddress self, UniqueAddress subject) =>
        ChangeReachability(self, subject, Reachability.Reachable(self, subject));

    private Gossip ChangeReachability(UniqueAddress self, UniqueAddress subject, Reachability changed)
    {
        if (!HasMember(self) || !HasMember(subject))
        {
            throw new ArgumentException($"Reachability of {subject} observed by {self}: both must be members of the gossip.");
        }

        return ReferenceEquals(changed, Reachability) ? this : (this with { Reachability = changed }).ChangedBy(self);
    }

    /// <summary>
    /// Combines two gossips the way a receiving node does (Akka's <c>ClusterCoreDaemon.ReceiveGossip</c>): same
    /// version -> the seen-sets are united; one strictly newer -> that one wins whole; concurrent -> members are
    /// merged by <see cref="Membership.Member.HighestPriorityOf"/> (tombstoned ones dropped), reachability per
    /// observer version, clocks pointwise max, tombstones united, and nobody has seen the result yet.
    /// Commutative, associative and idempotent for gossips produced through this API, where a version names one content.
    /// </summary>
    public Gossip Merge(Gossip other)
    {
        switch (Version.Compare(other.Version))
        {
            case VectorClockOrdering.Same:
                return SeenBy.IsSupersetOf(other.SeenBy) ? this : this with { SeenBy = SeenBy.Union(other.SeenBy) };
            case VectorClockOrdering.After:
                return this;
            case VectorClockOrdering.Before:
                return other;
        }

        var tombstones = Tombstones;
        foreach (var (node, at) in other.Tombstones)
        {
            if (!tombstones.TryGetValue(node, out var mine) || at > mine)
            {
                tombstones = tombstones.SetItem(node, at);
            }
        }

        var members = Members.Clear();
        foreach (var group in Members.Concat(other.Members).GroupBy(m => m.Node))
        {
            var winner = group.Aggregate(Membership.Member.HighestPriorityOf);
            if (winner.Status != MemberStatus.Removed && !tombstones.ContainsKey(winner.Node))
            {
                members = members.Add(winner);
            }
        }

        var allowed = members.Select(m => m.Node).ToHashSet();
        return new Gossip(
            members,
            Reachability.Merge(allowed, other.Reachability),
            Version.Merge(other.Version),
            ImmutableHashSet<UniqueAddress>.Empty,
            tombstones);
    }

    /// <summary>
    /// Convergence as <paramref name="self"/> sees it (Akka's <c>Gossip.Convergence</c>): every member Unreachable
    /// (ignoring what Down members observe, and ignoring self) is Down or Exiting, and every Up or Leaving member has
    /// seen this version. Joining/WeaklyUp members need not have seen it, so a slow joiner cannot stall the cluster.
    /// </summary>
    public bool Convergence(UniqueAddress self)
    {
        var reachability = ReachabilityExcludingDownedObservers;
        foreach (var node in reachability.AllUnreachable)
        {
            if (node != self && Member(node) is { } m && m.Status is not (MemberStatus.Down or MemberStatus.Exiting))
            {
                return false;
            }
        }

        return Members.All(m => m.Status is not (MemberStatus.Up or MemberStatus.Leaving) || SeenBy.Contains(m.Node));
    }

    public Reachability ReachabilityExcludingDownedObservers =>
        Reachability.WithoutObservers(Members.Where(m => m.Status == MemberStatus.Down).Select(m => m.Node));

    /// <summary>
    /// The leader as <paramref name="self"/> sees it (Akka's <c>leaderOf</c>): among members that are not Down
    /// and are reachable (self always counts as reachable to itself), the first Up or Leaving member in address
    /// order; when there is none (a cluster still forming) the first Joining/WeaklyUp member, then Exiting, so
    /// the very first node can move itself Up. Null when no member qualifies.
    /// </summary>
    public UniqueAddress? Leader(UniqueAddress self)
    {
        var reachability = ReachabilityExcludingDownedObservers;
        var candidates = Members
            .Where(m => m.Status is not (MemberStatus.Down or MemberStatus.Removed))
            .Where(m => m.Node == self || reachability.IsReachable(m.Node))
            .ToList();
        return (candidates.FirstOrDefault(m => m.Status is MemberStatus.Up or MemberStatus.Leaving)
                ?? candidates.FirstOrDefault(m => m.Status is not MemberStatus.Exiting)
                ?? candidates.FirstOrDefault())?.Node;
    }

    /// <summary>Forgets tombstones older than <paramref name="before"/> (Akka prunes them after a day).</summary>
    public Gossip PruneTombstones(DateTimeOffset before) =>
        this with { Tombstones = Tombstones.RemoveRange(Tombstones.Where(t => t.Value < before).Select(t => t.Key).ToList()) };

    internal Gossip ReplaceMember(Member member) =>
        this with { Members = Members.Remove(member).Add(member) };

    internal Gossip RemoveMembers(IReadOnlyCollection<UniqueAddress> nodes, DateTimeOffset now)
    {
        if (nodes.Count == 0)
        {
            return this;
        }

        var gone = nodes.ToHashSet();
        return this with
        {
            Members = Members.Except(Members.Where(m => gone.Contains(m.Node))),
            Reachability = Reachability.Remove(gone),
            SeenBy = SeenBy.Except(gone),
            Tombstones = Tombstones.SetItems(gone.Select(n => KeyValuePair.Create(n, now))),
        };
    }

    /// <summary>A local change: the changer's counter moves on and only the changer has seen the result.</summary>
    internal Gossip ChangedBy(UniqueAddress self) =>
        this with { Version = Version.Increment(self), SeenBy = [self] };

    public bool Equals(Gossip? other) =>
        other is not null &&
        Members.SequenceEqual(other.Members) &&
        Reachability.Equals(other.Reachability) &&
        Version.Equals(other.Version) &&
        SeenBy.SetEquals(other.SeenBy) &&
        Tombstones.SequenceEqual(other.Tombstones);

    public override int GetHashCode() => HashCode.Combine(Members.Count, Version, SeenBy.Count, Tombstones.Count);

    public override string ToString() =>
        $"Gossip(members=[{string.Join(", ", Members)}], {Reachability}, version={Version}, seen=[{string.Join(", ", SeenBy.Order(UniqueAddressComparer.Instance))}], tombstones={Tombstones.Count})";
}
