using System.Collections.Immutable;
using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.Membership;

namespace ActorCodistill.Cluster.ClusterDaemon;

/// <summary>What one change did: the new state, the events it caused, and what the daemon must send.</summary>
/// <param name="Changed">A local change: gossip it to every member now.</param>
/// <param name="ReplyToSender">
/// Send our gossip back to the sender: a received gossip differs from ours after merging, so the sender learns what we
/// know and have seen; or (with <paramref name="Ignored"/> set, nothing merged) the sender is a removed incarnation
/// that must learn its own removal and stop.
/// </param>
/// <param name="Ignored">Why nothing of the message was applied, for the log; null when the step was applied.</param>
public sealed record ClusterCoreStep(ClusterCoreState State, ImmutableArray<ClusterEvent> Events, bool Changed, bool ReplyToSender, string? Ignored)
{
    public static ClusterCoreStep Ignore(ClusterCoreState state, string reason) => new(state, [], false, false, reason);

    /// <summary>Nothing is merged, but the sender gets our gossip (which holds its tombstone) so it stops.</summary>
    public static ClusterCoreStep RefuseAndReply(ClusterCoreState state, string reason) => new(state, [], false, true, reason);
}

/// <summary>
/// The cluster daemon's state as an immutable value (thin actor, pure state): this incarnation, its gossip, the
/// devices each member offers, and whether it has ever been a member. Every method returns a step; the actor only
/// sends what the step says. Devices are fixed per incarnation, so they merge by union and are dropped with the member.
/// </summary>
public sealed record ClusterCoreState(
    UniqueAddress Self,
    Gossip Gossip,
    ImmutableDictionary<UniqueAddress, ImmutableArray<string>> Devices,
    bool WasMember)
{
    public static ClusterCoreState Initial(UniqueAddress self) =>
        new(self, Gossip.Empty, ImmutableDictionary<UniqueAddress, ImmutableArray<string>>.Empty, false);

    public Member? SelfMember => Gossip.Member(Self);

    public bool IsMember => SelfMember is not null;

    /// <summary>
    /// A member that was Down-ed, moved to Exiting, or removed (tombstoned) must stop its process: it can never
    /// come back under this uid.
    /// </summary>
    public bool MustStop =>
        WasMember && (SelfMember is null || SelfMember.Status is MemberStatus.Down or MemberStatus.Exiting || Gossip.Tombstones.ContainsKey(Self));

    /// <summary>
    /// <paramref name="node"/> is an incarnation this cluster removed (it holds a tombstone). If it still runs (a
    /// process resumed after SIGSTOP, a partition that healed after downing) it must be told, since it never saw its
    /// removal: whatever it sends is answered with our gossip, never merged.
    /// </summary>
    public bool IsRemovedIncarnation(UniqueAddress node) => node != Self && Gossip.Tombstones.ContainsKey(node);

    /// <summary>Members worth gossiping to: everyone else nobody sees as unreachable (Down ones included, so they learn it and stop).</summary>
    public ImmutableArray<UniqueAddress> GossipTargets
    {
        get
        {
            var reachability = Gossip.ReachabilityExcludingDownedObservers;
            return Gossip.Members.Where(m => m.Node != Self && reachability.IsReachable(m.Node)).Select(m => m.Node).ToImmutableArray();
        }
    }

    /// <summary>The periodic gossip target: preferably one that has not seen the current version (as Akka), else any.</summary>
    public UniqueAddress? PickGossipTarget(Random random)
    {
        var targets = GossipTargets;
        if (targets.IsEmpty) return null;
        var unseen = targets.Where(n => !Gossip.HasSeen(n)).ToImmutableArray();
        var pool = unseen.IsEmpty ? targets : unseen;
        return pool[random.Next(pool.Length)];
    }

    /// <summary>The first seed forms a new cluster: this node joins itself.</summary>
    public ClusterCoreStep JoinSelf(IEnumerable<string> roles, ImmutableArray<string> devices)
    {
        if (IsMember) return ClusterCoreStep.Ignore(this, "already a member");
        var (gossip, _) = Gossip.Empty.Join(Self, Self, roles);
        return Apply(gossip, Devices.SetItem(Self, devices), changed: true, replyTo: null);
    }

    /// <summary>A Join request reaching this member. Welcome the joiner on <see cref="JoinOutcome.Joined"/> and <see cref="JoinOutcome.AlreadyMember"/>.</summary>
    public (ClusterCoreStep Step, JoinOutcome? Outcome) HandleJoin(UniqueAddress joiner, IEnumerable<string> roles, ImmutableArray<string> devices)
    {
        if (SelfMember?.Status is not (MemberStatus.Joining or MemberStatus.WeaklyUp or MemberStatus.Up))
            return (ClusterCoreStep.Ignore(this, $"join of {joiner} ignored: this node is not an active member"), null);
        var (gossip, outcome) = Gossip.Join(Self, joiner, roles);
        var newDevices = outcome is JoinOutcome.Joined or JoinOutcome.AlreadyMember ? Devices.SetItem(joiner, devices) : Devices;
        var step = ReferenceEquals(gossip, Gossip) && newDevices == Devices
            ? new ClusterCoreStep(this, [], false, false, null)
            : Apply(gossip, newDevices, changed: !ReferenceEquals(gossip, Gossip), replyTo: null);
        return (step, outcome);
    }

    /// <summary>
    /// A gossip (or the Welcome) from <paramref name="from"/> addressed to <paramref name="to"/>. Ignored when it is
    /// meant for another incarnation or does not concern us before we joined. Refused when it comes from a removed
    /// incarnation (its stale view must not leak back into the cluster), answered with our gossip so that it merges its
    /// own tombstone and stops (Akka answers a removed node's gossip the same way). Otherwise merged and marked seen by us.
    /// </summary>
    public ClusterCoreStep ReceiveGossip(UniqueAddress from, UniqueAddress to, Gossip remote, ImmutableDictionary<UniqueAddress, ImmutableArray<string>> devices)
    {
        if (to != Self) return ClusterCoreStep.Ignore(this, $"gossip from {from} was meant for {to}, not this incarnation {Self}");
        if (IsRemovedIncarnation(from))
            return ClusterCoreStep.RefuseAndReply(this, $"gossip from removed incarnation {from} refused; answering with ours so it learns it was removed");
        if (!IsMember && !remote.HasMember(Self))
            return ClusterCoreStep.Ignore(this, WasMember ? "this node was removed" : $"gossip from {from} does not hold this node, which has not joined yet");
        if (WasMember && !IsMember) return ClusterCoreStep.Ignore(this, "this node was removed");

        var merged = Gossip.Merge(remote);
        if (merged.HasMember(Self)) merged = merged.Seen(Self);
        var mergedDevices = Devices;
        foreach (var (node, slots) in devices)
        {
            if (!mergedDevices.ContainsKey(node)) mergedDevices = mergedDevices.SetItem(node, slots);
        }

        return Apply(merged, mergedDevices, changed: false, replyTo: remote);
    }

    /// <summary>
    /// Reconciles what this node observes in the gossip with the heartbeat sender's verdict: members in
    /// <paramref name="unavailable"/> become unreachable from us, the others reachable again.
    /// </summary>
    public ClusterCoreStep ApplyReachability(IReadOnlySet<UniqueAddress> unavailable)
    {
        if (SelfMember is null || SelfMember.Status == MemberStatus.Down) return ClusterCoreStep.Ignore(this, "not an active member");
        var observed = Gossip.Reachability.AllUnreachableFrom(Self);
        var gossip = Gossip;
        foreach (var member in Gossip.Members.Where(m => m.Node != Self))
        {
            var isUnavailable = unavailable.Contains(member.Node);
            if (isUnavailable && !observed.Contains(member.Node)) gossip = gossip.MarkUnreachable(Self, member.Node);
            else if (!isUnavailable && observed.Contains(member.Node)) gossip = gossip.MarkReachable(Self, member.Node);
        }

        return Apply(gossip, Devices, changed: true, replyTo: null);
    }

    public ClusterCoreStep PerformLeaderActions(LeaderSettings settings, DateTimeOffset now)
    {
        if (!IsMember) return ClusterCoreStep.Ignore(this, "not a member");
        var result = LeaderActions.Perform(Gossip, Self, settings, now);
        return Apply(result.Gossip, Devices, changed: true, replyTo: null);
    }

    /// <summary>An operator's or the downing strategy's verdict on the member at <paramref name="address"/>.</summary>
    public ClusterCoreStep Down(Address address) =>
        Gossip.MemberAt(address) is { } member ? Down([member.Node]) : ClusterCoreStep.Ignore(this, $"down {address}: no such member");

    public ClusterCoreStep Down(IEnumerable<UniqueAddress> nodes)
    {
        if (!IsMember) return ClusterCoreStep.Ignore(this, "not a member");
        var gossip = nodes.Aggregate(Gossip, (g, n) => g.Down(Self, n));
        return Apply(gossip, Devices, changed: true, replyTo: null);
    }

    public ClusterCoreStep Leave(Address address)
    {
        if (!IsMember) return ClusterCoreStep.Ignore(this, "not a member");
        return Apply(Gossip.Leave(Self, address), Devices, changed: true, replyTo: null);
    }

    private ClusterCoreStep Apply(Gossip gossip, ImmutableDictionary<UniqueAddress, ImmutableArray<string>> devices, bool changed, Gossip? replyTo)
    {
        if (ReferenceEquals(gossip, Gossip) && devices == Devices)
        {
            return new ClusterCoreStep(this, [], false, replyTo is not null && !gossip.Equals(replyTo), null);
        }

        var kept = devices.RemoveRange(devices.Keys.Where(n => !gossip.HasMember(n)).ToList());
        var next = this with { Gossip = gossip, Devices = kept, WasMember = WasMember || gossip.HasMember(Self) };
        var events = ClusterEvents.Diff(Gossip, gossip, Self);
        var gossipChanged = !gossip.Equals(Gossip);
        return new ClusterCoreStep(next, events, changed && gossipChanged, replyTo is not null && !gossip.Equals(replyTo) && gossip.HasMember(Self), null);
    }
}
