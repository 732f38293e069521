using System.Collections.Immutable;

namespace ActorCodistill.Cluster.Membership;

public enum VectorClockOrdering
{
    Same,
    Before,
    After,
    Concurrent,
}

/// <summary>
/// A version vector with one counter per node incarnation that ever changed the gossip. A node bumps its own
/// counter on every change it makes; merging takes the pointwise maximum. Counters of removed nodes are kept
/// (not pruned as Akka does), so the clock grows with the number of incarnations ever seen.
/// </summary>
public sealed record VectorClock(ImmutableSortedDictionary<UniqueAddress, long> Versions)
{
    public static readonly VectorClock Empty = new(ImmutableSortedDictionary.Create<UniqueAddress, long>(UniqueAddressComparer.Instance));

    public long this[UniqueAddress node] => Versions.GetValueOrDefault(node);

    public VectorClock Increment(UniqueAddress node) => new(Versions.SetItem(node, this[node] + 1));

    public VectorClock Merge(VectorClock other)
    {
        var merged = Versions;
        foreach (var (node, version) in other.Versions)
        {
            if (version > merged.GetValueOrDefault(node))
            {
                merged = merged.SetItem(node, version);
            }
        }

        return ReferenceEquals(merged, Versions) ? this : new VectorClock(merged);
    }

    public VectorClockOrdering Compare(VectorClock other)
    {
        var thisAhead = false;
        var otherAhead = false;
        foreach (var node in Versions.Keys.Union(other.Versions.Keys))
        {
            var a = this[node];
            var b = other[node];
            thisAhead |= a > b;
            otherAhead |= b > a;
        }

        return (thisAhead, otherAhead) switch
        {
            (false, false) => VectorClockOrdering.Same,
            (true, false) => VectorClockOrdering.After,
            (false, true) => VectorClockOrdering.Before,
            _ => VectorClockOrdering.Concurrent,
        };
    }

    public bool Equals(VectorClock? other) => other is not null && Compare(other) == VectorClockOrdering.Same;

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var (node, version) in Versions)
        {
            if (version != 0)
            {
                hash.Add(node);
                hash.Add(version);
            }
        }

        return hash.ToHashCode();
    }

    public override string ToString() => $"[{string.Join(", ", Versions.Select(kv => $"{kv.Key}={kv.Value}"))}]";
}
