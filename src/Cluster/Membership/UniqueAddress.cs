using ActorCodistill.Cluster.Actors;

namespace ActorCodistill.Cluster.Membership;

/// <summary>
/// One incarnation of a node: its address plus a uid drawn at start-up, so a process restarted on the
/// same host:port is a different member from the one that died there.
/// </summary>
public sealed record UniqueAddress(Address Address, long Uid) : IComparable<UniqueAddress>
{
    /// <summary>
    /// The cluster-wide address ordering (as Akka's <c>Member.AddressOrdering</c>): host by ordinal string
    /// comparison (a missing host first), then port numerically, then system, protocol and uid so the order
    /// is total. Host comparison is textual, so "10.0.0.10" sorts before "10.0.0.9"; every node computes
    /// the same order, which is all leader election and downing tie-breaks need.
    /// </summary>
    public int CompareTo(UniqueAddress? other)
    {
        if (other is null)
        {
            return 1;
        }

        var c = string.CompareOrdinal(Address.Host, other.Address.Host);
        if (c != 0)
        {
            return c;
        }

        c = (Address.Port ?? -1).CompareTo(other.Address.Port ?? -1);
        if (c != 0)
        {
            return c;
        }

        c = string.CompareOrdinal(Address.System, other.Address.System);
        if (c != 0)
        {
            return c;
        }

        c = string.CompareOrdinal(Address.Protocol, other.Address.Protocol);
        return c != 0 ? c : Uid.CompareTo(other.Uid);
    }

    public override string ToString() => $"{Address}#{Uid}";
}

/// <summary>Orders by <see cref="UniqueAddress.CompareTo"/>; shared by every sorted collection in membership.</summary>
public sealed class UniqueAddressComparer : IComparer<UniqueAddress>
{
    public static readonly UniqueAddressComparer Instance = new();

    public int Compare(UniqueAddress? x, UniqueAddress? y) =>
        x is null ? (y is null ? 0 : -1) : x.CompareTo(y);
}
