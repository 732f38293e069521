using System.Collections.Immutable;

namespace ActorCodistill.Cluster.Membership;

/// <summary>
/// A node's membership entry. <paramref name="UpNumber"/> orders members by age (lower = older); it is
/// <see cref="int.MaxValue"/> until the leader moves the member Up, as in Akka, so never-up members are youngest.
/// </summary>
public sealed record Member(UniqueAddress Node, MemberStatus Status, ImmutableHashSet<string> Roles, int UpNumber)
{
    public const int NotUp = int.MaxValue;

    public static Member Joining(UniqueAddress node, IEnumerable<string>? roles = null) =>
        new(node, MemberStatus.Joining, roles?.ToImmutableHashSet(StringComparer.Ordinal) ?? ImmutableHashSet.Create<string>(StringComparer.Ordinal), NotUp);

    public bool HasRole(string role) => Roles.Contains(role);

    /// <summary>
    /// The members that count for age-based decisions (Up, Leaving or Exiting, with <paramref name="role"/> if given),
    /// oldest first: lowest up-number, then address. Downing and the sharding coordinator's placement both use it.
    /// </summary>
    public static IEnumerable<UniqueAddress> OldestFirst(IEnumerable<Member> members, string? role) =>
        members
            .Where(m => m.Status is MemberStatus.Up or MemberStatus.Leaving or MemberStatus.Exiting)
            .Where(m => role is null || m.HasRole(role))
            .OrderBy(m => m.UpNumber)
            .ThenBy(m => m.Node, UniqueAddressComparer.Instance)
            .Select(m => m.Node);

    /// <exception cref="IllegalMemberTransitionException">When <see cref="MemberStatusTransitions"/> forbids the move.</exception>
    public Member WithStatus(MemberStatus status)
    {
        if (status == Status)
        {
            return this;
        }

        MemberStatusTransitions.Require(Node, Status, status);
        return this with { Status = status };
    }

    public Member MoveUp(int upNumber) => WithStatus(MemberStatus.Up) with { UpNumber = upNumber };

    /// <summary>
    /// Which of two copies of the same member a merge keeps (Akka's <c>Member.HighestPriorityOf</c>): the later
    /// lifecycle stage wins (Removed, Down, Exiting, Leaving, Up, WeaklyUp, Joining); at the same stage the older
    /// copy (lower up-number) wins, and roles are united so the choice cannot depend on argument order.
    /// </summary>
    public static Member HighestPriorityOf(Member a, Member b)
    {
        if (a.Status == b.Status)
        {
            var older = a.UpNumber <= b.UpNumber ? a : b;
            return a.Roles.SetEquals(b.Roles) ? older : older with { Roles = a.Roles.Union(b.Roles) };
        }

        return Priority(a.Status) > Priority(b.Status) ? a : b;
    }

    private static int Priority(MemberStatus status) => status switch
    {
        MemberStatus.Joining => 0,
        MemberStatus.WeaklyUp => 1,
        MemberStatus.Up => 2,
        MemberStatus.Leaving => 3,
        MemberStatus.Exiting => 4,
        MemberStatus.Down => 5,
        MemberStatus.Removed => 6,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "unknown member status"),
    };

    public bool Equals(Member? other) =>
        other is not null && Node == other.Node && Status == other.Status && UpNumber == other.UpNumber && Roles.SetEquals(other.Roles);

    public override int GetHashCode() => HashCode.Combine(Node, Status, UpNumber, Roles.Count);

    public override string ToString() =>
        $"Member({Node}, {Status}, up={(UpNumber == NotUp ? "-" : UpNumber)}, roles=[{string.Join(",", Roles.Order(StringComparer.Ordinal))}])";
}

/// <summary>Sorts members by <see cref="UniqueAddress"/> ordering.</summary>
public sealed class MemberAddressComparer : IComparer<Member>
{
    public static readonly MemberAddressComparer Instance = new();

    public int Compare(Member? x, Member? y) =>
        UniqueAddressComparer.Instance.Compare(x?.Node, y?.Node);
}
