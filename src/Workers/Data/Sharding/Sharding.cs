namespace ActorCodistill.Workers.Data;

/// <summary>
/// Deterministic splits of item indices 0..count-1 (documents, examples). Every function is pure
/// in (seed, counts, sizes): all nodes compute the same plan with no coordination.
/// </summary>
public static class Sharding
{
    /// <summary>
    /// Splits items into validation (a seeded choice of round(count * fraction) items) and
    /// train (the rest); both sorted ascending and disjoint.
    /// </summary>
    public static (int[] Train, int[] Validation) SplitValidation(int count, double fraction, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (!(fraction >= 0 && fraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "Validation fraction must be in [0, 1).");
        }
        var held = (int)Math.Round(count * fraction, MidpointRounding.AwayFromZero);
        var perm = SeededRandom.Permutation(count, SeededRandom.Derive(seed, 0x7A11D));
        var validation = perm[..held];
        var train = perm[held..];
        Array.Sort(validation);
        Array.Sort(train);
        return (train, validation);
    }

    /// <summary>
    /// Seeded shuffle, then <paramref name="parts"/> contiguous runs whose sizes differ by at most
    /// one; each part sorted ascending.
    /// </summary>
    public static int[][] SplitEven(IReadOnlyList<int> items, int parts, long seed)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parts);
        var shuffled = items.ToArray();
        new SeededRandom(SeededRandom.Derive(seed, 0xE7E4)).Shuffle(shuffled.AsSpan());
        var result = new int[parts][];
        var ranges = ContiguousRanges(shuffled.Length, parts);
        for (var p = 0; p < parts; p++)
        {
            result[p] = shuffled.AsSpan((int)ranges[p].Start, (int)ranges[p].Length).ToArray();
            Array.Sort(result[p]);
        }
        return result;
    }

    /// <summary>
    /// Balances total size (e.g. tokens per book): items largest first (equal sizes in seeded
    /// order) each go to the currently lightest part (lowest index on ties). The heaviest and
    /// lightest part then differ by at most the largest item's size. Parts sorted ascending.
    /// </summary>
    public static int[][] SplitBySize(IReadOnlyList<int> items, IReadOnlyList<long> sizes, int parts, long seed)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(sizes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parts);
        var shuffled = items.ToArray();
        new SeededRandom(SeededRandom.Derive(seed, 0x512E)).Shuffle(shuffled.AsSpan());
        foreach (var i in shuffled)
        {
            if ((uint)i >= (uint)sizes.Count || sizes[i] < 0)
            {
                throw new ArgumentException($"Item {i} has no non-negative size in a list of {sizes.Count} sizes.", nameof(sizes));
            }
        }
        // Stable sort keeps the seeded order among equal sizes.
        var ordered = shuffled.OrderByDescending(i => sizes[i]).ToArray();
        var loads = new long[parts];
        var result = new List<int>[parts];
        for (var p = 0; p < parts; p++)
        {
            result[p] = [];
        }
        foreach (var item in ordered)
        {
            var lightest = 0;
            for (var p = 1; p < parts; p++)
            {
                if (loads[p] < loads[lightest])
                {
                    lightest = p;
                }
            }
            result[lightest].Add(item);
            loads[lightest] += sizes[item];
        }
        return [.. result.Select(r => r.Order().ToArray())];
    }

    /// <summary>
    /// The full plan: validation split, then train items into groups (Disjoint) or all of them to
    /// every group (Shared), then each group's items into its workers. With <paramref name="sizes"/>
    /// parts are balanced by size (<see cref="SplitBySize"/>), otherwise by count (<see cref="SplitEven"/>).
    /// Throws when a worker would get no item: use <see cref="SplitDocumentsContiguous"/> first.
    /// </summary>
    public static ShardPlan Plan(int count, ShardSpec spec, IReadOnlyList<long>? sizes = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        if (sizes is not null && sizes.Count != count)
        {
            throw new ArgumentException($"Got {sizes.Count} sizes for {count} items.", nameof(sizes));
        }
        var (train, validation) = SplitValidation(count, spec.ValidationFraction, spec.Seed);
        var perGroupSlots = spec.Mode == ShardMode.Disjoint ? spec.Groups * spec.WorkersPerGroup : spec.WorkersPerGroup;
        if (train.Length < perGroupSlots)
        {
            throw new ArgumentException(TooFew(train.Length, spec, perGroupSlots, "there are fewer"));
        }
        int[][] Split(IReadOnlyList<int> items, int parts, long seed) =>
            sizes is null ? SplitEven(items, parts, seed) : SplitBySize(items, sizes, parts, seed);

        var groupItems = spec.Mode == ShardMode.Disjoint
            ? Split(train, spec.Groups, SeededRandom.DeriveSigned(spec.Seed, 0x6209))
            : [.. Enumerable.Repeat(train, spec.Groups)];
        var shards = new IReadOnlyList<IReadOnlyList<int>>[spec.Groups];
        for (var g = 0; g < spec.Groups; g++)
        {
            shards[g] = Split(groupItems[g], spec.WorkersPerGroup, SeededRandom.DeriveSigned(spec.Seed, 0x3042, g));
            // Balanced by size, one item larger than a worker's share takes a whole part and can leave another empty:
            // caught here, when the job starts, rather than by the worker that would have had no data.
            for (var w = 0; w < spec.WorkersPerGroup; w++)
                if (shards[g][w].Count == 0)
                    throw new ArgumentException(TooFew(train.Length, spec, perGroupSlots,
                        $"balanced by size, worker {w} of group {g} gets none (a few items hold most of the data)"));
        }
        return new ShardPlan(spec, validation, shards);
    }

    private static string TooFew(int items, ShardSpec spec, int slots, string why) =>
        $"data: {items} training documents (or examples) cannot give each of the {slots} workers " +
        $"({(spec.Mode == ShardMode.Disjoint ? $"{spec.Groups} groups x {spec.WorkersPerGroup}, disjoint shards" : $"{spec.WorkersPerGroup} per group, shared data")}) " +
        $"one of its own: {why}. Use more (or smaller) documents, fewer training.workers-per-group or training.groups, " +
        "or data.shard-mode = shared.";

    /// <summary><paramref name="parts"/> contiguous ranges tiling [0, total), lengths differing by at most one (longer first).</summary>
    public static (long Start, long Length)[] ContiguousRanges(long total, int parts)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(total);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parts);
        var result = new (long, long)[parts];
        var baseLen = total / parts;
        var extra = total % parts;
        long start = 0;
        for (var p = 0; p < parts; p++)
        {
            var len = baseLen + (p < extra ? 1 : 0);
            result[p] = (start, len);
            start += len;
        }
        return result;
    }

    /// <summary>
    /// For fewer documents than shards: views the documents as one token stream (in the given
    /// order), cuts it into <paramref name="parts"/> contiguous ranges of equal length (within one
    /// token) and returns each part's pieces of documents, in order. A document cut by a boundary
    /// becomes two pieces; the batcher then puts an <c>&lt;eod&gt;</c> at the cut, which is accepted
    /// as the price of keeping whole-document training elsewhere.
    /// </summary>
    public static int[][][] SplitDocumentsContiguous(IReadOnlyList<int[]> documents, int parts)
    {
        ArgumentNullException.ThrowIfNull(documents);
        var total = documents.Sum(d => (long)d.Length);
        var ranges = ContiguousRanges(total, parts);
        var result = new int[parts][][];
        var doc = 0;
        var offset = 0;
        for (var p = 0; p < parts; p++)
        {
            var pieces = new List<int[]>();
            var need = ranges[p].Length;
            while (need > 0)
            {
                var d = documents[doc];
                var take = (int)Math.Min(need, d.Length - offset);
                if (take > 0)
                {
                    pieces.Add(d[offset..(offset + take)]);
                }
                offset += take;
                need -= take;
                if (offset == d.Length)
                {
                    doc++;
                    offset = 0;
                }
            }
            result[p] = [.. pieces];
            while (doc < documents.Count && documents[doc].Length == 0)
            {
                doc++;
            }
        }
        return result;
    }
}
