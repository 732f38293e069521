using System.Collections.Immutable;

namespace ActorCodistill.Cluster.Membership;

/// <summary>
/// When the leader may move Joining members Up (Akka's <c>min-nr-of-members</c> and
/// <c>role.&lt;name&gt;.min-nr-of-members</c>), and whether it may move them to WeaklyUp without convergence.
/// </summary>
public sealed record LeaderSettings(int MinNrOfMembers, ImmutableDictionary<string, int> MinNrOfMembersOfRole, bool AllowWeaklyUp)
{
    public static readonly LeaderSettings Default = new(1, ImmutableDictionary<string, int>.Empty, AllowWeaklyUp: false);
}

public sealed record LeaderActionsResult(Gossip Gossip, ImmutableArray<ClusterEvent> Events)
{
    public bool Changed => !Events.IsEmpty;
}

/// <summary>
/// The only membership changes that need one decider. Run periodically by every node; only the node that is
/// <see cref="Gossip.Leader"/> in its own view acts, and status moves (Up, Exiting, Removed) happen only on
/// <see cref="Gossip.Convergence"/>, so every member has seen the previous step before the next one is taken.
/// </summary>
public static class LeaderActions
{
    /// <summary>
    /// On convergence: Joining/WeaklyUp -> Up (when the member-count minimums are met; up-numbers continue after
    /// the youngest Up member), Leaving -> Exiting, and Exiting or Down -> Removed (tombstoned at
    /// <paramref name="now"/>). Without convergence, reachable Joining members become WeaklyUp if allowed.
    /// A changed gossip carries a bumped version seen by the leader only; the events are the diff of the two.
    /// </summary>
    public static LeaderActionsResult Perform(Gossip gossip, UniqueAddress self, LeaderSettings settings, DateTimeOffset now)
    {
        if (gossip.Leader(self) != self)
        {
            return new LeaderActionsResult(gossip, []);
        }

        var changed = gossip.Convergence(self)
            ? OnConvergence(gossip, settings, now)
            : settings.AllowWeaklyUp ? WeaklyUp(gossip) : gossip;

        if (ReferenceEquals(changed, gossip))
        {
            return new LeaderActionsResult(gossip, []);
        }

        changed = changed.ChangedBy(self);
        return new LeaderActionsResult(changed, ClusterEvents.Diff(gossip, changed, self));
    }

    private static Gossip OnConvergence(Gossip gossip, LeaderSettings settings, DateTimeOffset now)
    {
        var enoughMembers = gossip.Members.Count >= settings.MinNrOfMembers &&
            settings.MinNrOfMembersOfRole.All(kv => gossip.Members.Count(m => m.HasRole(kv.Key)) >= kv.Value);
        var youngest = gossip.Members.Where(m => m.UpNumber != Member.NotUp).Select(m => m.UpNumber).DefaultIfEmpty(0).Max();
        var nextUp = youngest + 1;

        var result = gossip;
        var removed = new List<UniqueAddress>();
        foreach (var member in gossip.Members)
        {
            switch (member.Status)
            {
                case MemberStatus.Joining or MemberStatus.WeaklyUp when enoughMembers:
                    result = result.ReplaceMember(member.MoveUp(nextUp++));
                    break;
                case MemberStatus.Leaving:
                    result = result.ReplaceMember(member.WithStatus(MemberStatus.Exiting));
                    break;
                case MemberStatus.Exiting or MemberStatus.Down:
                    removed.Add(member.Node);
                    break;
            }
        }

        return result.RemoveMembers(removed, now);
    }

    private static Gossip WeaklyUp(Gossip gossip)
    {
        var result = gossip;
        foreach (var member in gossip.Members)
        {
            if (member.Status == MemberStatus.Joining && gossip.Reachability.IsReachable(member.Node))
            {
                result = result.ReplaceMember(member.WithStatus(MemberStatus.WeaklyUp));
            }
        }

        return result;
    }
}
