using System.Collections.Immutable;

namespace ActorCodistill.Cluster.Membership;

public enum ReachabilityStatus
{
    Reachable,
    Unreachable,
}

/// <summary>One observer's verdict on one subject, stamped with the observer's version when it was written.</summary>
public sealed record ReachabilityRecord(UniqueAddress Observer, UniqueAddress Subject, ReachabilityStatus Status, long Version);

/// <summary>
/// Who sees whom as unreachable (Akka's <c>Reachability</c>). Each observer owns its rows and a version it bumps
/// on every change, so a merge keeps, per observer, the rows of the side with the higher version: only the
/// observer writes its rows, hence a newer version is a newer opinion. A subject is unreachable when any
/// observer says so. When every row of an observer is Reachable again the rows are dropped (the version stays)
/// to keep the table small.
/// </summary>
public sealed class Reachability : IEquatable<Reachability>
{
    private static readonly ImmutableSortedDictionary<UniqueAddress, ReachabilityRecord> EmptyRows =
        ImmutableSortedDictionary.Create<UniqueAddress, ReachabilityRecord>(UniqueAddressComparer.Instance);

    public static readonly Reachability Empty = new(
        ImmutableSortedDictionary.Create<UniqueAddress, ImmutableSortedDictionary<UniqueAddress, ReachabilityRecord>>(UniqueAddressComparer.Instance),
        ImmutableSortedDictionary.Create<UniqueAddress, long>(UniqueAddressComparer.Instance));

    private Reachability(
        ImmutableSortedDictionary<UniqueAddress, ImmutableSortedDictionary<UniqueAddress, ReachabilityRecord>> rows,
        ImmutableSortedDictionary<UniqueAddress, long> versions)
    {
        Rows = rows;
        Versions = versions;
    }

    /// <summary>
    /// Rebuilds a table received from a peer (the cluster daemon's wire format carries records and observer
    /// versions); as in <see cref="Unreachable"/>/<see cref="Reachable"/>, an observer's row is kept only while it
    /// holds an unreachable record.
    /// </summary>
    public static Reachability Create(IEnumerable<ReachabilityRecord> records, IEnumerable<KeyValuePair<UniqueAddress, long>> versions)
    {
        var rows = Empty.Rows;
        foreach (var observerRows in records.GroupBy(r => r.Observer).Where(g => g.Any(r => r.Status == ReachabilityStatus.Unreachable)))
        {
            rows = rows.Add(observerRows.Key, observerRows.ToImmutableSortedDictionary(r => r.Subject, r => r, UniqueAddressComparer.Instance));
        }

        return new Reachability(rows, versions.ToImmutableSortedDictionary(kv => kv.Key, kv => kv.Value, UniqueAddressComparer.Instance));
    }

    /// <summary>observer -> subject -> record.</summary>
    public ImmutableSortedDictionary<UniqueAddress, ImmutableSortedDictionary<UniqueAddress, ReachabilityRecord>> Rows { get; }

    public ImmutableSortedDictionary<UniqueAddress, long> Versions { get; }

    public IEnumerable<ReachabilityRecord> Records => Rows.Values.SelectMany(r => r.Values);

    public bool IsAllReachable => !Records.Any(r => r.Status == ReachabilityStatus.Unreachable);

    public ImmutableSortedSet<UniqueAddress> AllUnreachable =>
        Records.Where(r => r.Status == ReachabilityStatus.Unreachable).Select(r => r.Subject).ToImmutableSortedSet(UniqueAddressComparer.Instance);

    public bool IsReachable(UniqueAddress subject) =>
        !Rows.Values.Any(rows => rows.TryGetValue(subject, out var r) && r.Status == ReachabilityStatus.Unreachable);

    public ImmutableSortedSet<UniqueAddress> AllUnreachableFrom(UniqueAddress observer) =>
        Rows.TryGetValue(observer, out var rows)
            ? rows.Values.Where(r => r.Status == ReachabilityStatus.Unreachable).Select(r => r.Subject).ToImmutableSortedSet(UniqueAddressComparer.Instance)
            : ImmutableSortedSet.Create<UniqueAddress>(UniqueAddressComparer.Instance);

    public Reachability Unreachable(UniqueAddress observer, UniqueAddress subject) =>
        Change(observer, subject, ReachabilityStatus.Unreachable);

    public Reachability Reachable(UniqueAddress observer, UniqueAddress subject) =>
        Change(observer, subject, ReachabilityStatus.Reachable);

    private Reachability Change(UniqueAddress observer, UniqueAddress subject, ReachabilityStatus status)
    {
        var rows = Rows.GetValueOrDefault(observer) ?? EmptyRows;
        var current = rows.GetValueOrDefault(subject)?.Status ?? ReachabilityStatus.Reachable;
        if (current == status)
        {
            return this;
        }

        var version = Versions.GetValueOrDefault(observer) + 1;
        rows = rows.SetItem(subject, new ReachabilityRecord(observer, subject, status, version));
        var newRows = rows.Values.All(r => r.Status == ReachabilityStatus.Reachable) ? Rows.Remove(observer) : Rows.SetItem(observer, rows);
        return new Reachability(newRows, Versions.SetItem(observer, version));
    }

    /// <summary>
    /// Keeps, per observer in <paramref name="allowed"/>, the rows of the side with the higher observer version;
    /// at equal versions (the same opinion under correct use) rows are united per subject by record version so
    /// the result cannot depend on argument order. Rows about nodes outside <paramref name="allowed"/> are dropped.
    /// </summary>
    public Reachability Merge(IReadOnlySet<UniqueAddress> allowed, Reachability other)
    {
        var rows = Rows.Clear();
        var versions = Versions.Clear();
        foreach (var observer in Versions.Keys.Union(other.Versions.Keys).Where(allowed.Contains))
        {
            var v1 = Versions.GetValueOrDefault(observer);
            var v2 = other.Versions.GetValueOrDefault(observer);
            versions = versions.SetItem(observer, Math.Max(v1, v2));
            var rows1 = Rows.GetValueOrDefault(observer) ?? EmptyRows;
            var rows2 = other.Rows.GetValueOrDefault(observer) ?? EmptyRows;
            var chosen = v1 > v2 ? rows1 : v2 > v1 ? rows2 : UniteRows(rows1, rows2);
            chosen = chosen.RemoveRange(chosen.Keys.Where(s => !allowed.Contains(s)).ToList());
            if (chosen.Values.Any(r => r.Status == ReachabilityStatus.Unreachable))
            {
                rows = rows.SetItem(observer, chosen);
            }
        }

        return new Reachability(rows, versions);
    }

    private static ImmutableSortedDictionary<UniqueAddress, ReachabilityRecord> UniteRows(
        ImmutableSortedDictionary<UniqueAddress, ReachabilityRecord> a,
        ImmutableSortedDictionary<UniqueAddress, ReachabilityRecord> b)
    {
        var result = a;
        foreach (var (subject, record) in b)
        {
            if (!result.TryGetValue(subject, out var mine) || record.Version > mine.Version ||
                (record.Version == mine.Version && record.Status == ReachabilityStatus.Unreachable))
            {
                result = result.SetItem(subject, record);
            }
        }

        return result;
    }

    /// <summary>Forgets the given nodes as observers and as subjects (they left the membership).</summary>
    public Reachability Remove(IEnumerable<UniqueAddress> nodes)
    {
        var gone = nodes.ToHashSet();
        var rows = Rows.RemoveRange(gone);
        foreach (var (observer, subjects) in rows)
        {
            var kept = subjects.RemoveRange(gone);
            rows = kept.Values.Any(r => r.Status == ReachabilityStatus.Unreachable) ? rows.SetItem(observer, kept) : rows.Remove(observer);
        }

        return new Reachability(rows, Versions.RemoveRange(gone));
    }

    /// <summary>The same table without the opinions of <paramref name="observers"/> (Akka ignores what Down members observe).</summary>
    public Reachability WithoutObservers(IEnumerable<UniqueAddress> observers) =>
        new(Rows.RemoveRange(observers), Versions);

    public bool Equals(Reachability? other) =>
        other is not null &&
        Versions.SequenceEqual(other.Versions) &&
        Records.SequenceEqual(other.Records);

    public override bool Equals(object? obj) => Equals(obj as Reachability);

    public override int GetHashCode() => HashCode.Combine(Versions.Count, Records.Count());

    public override string ToString() =>
        $"Reachability[{string.Join(", ", Records.Where(r => r.Status == ReachabilityStatus.Unreachable).Select(r => $"{r.Observer} -/-> {r.Subject} v{r.Version}"))}]";
}
