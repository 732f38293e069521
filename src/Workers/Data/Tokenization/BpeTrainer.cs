namespace ActorCodistill.Workers.Data;

/// <summary>
/// Learns byte-pair merges from chunk frequencies. Each distinct chunk is stored once with its
/// count; pair counts are kept for the whole corpus and updated incrementally after every merge,
/// touching only the chunks that contain the merged pair (found through an inverted index).
/// The best pair comes from a max-heap with lazy deletion: every count change pushes a fresh
/// entry, and a popped entry whose count no longer matches the live count is discarded.
/// Ties break on the smaller (left, right) pair so training is deterministic.
/// </summary>
internal static class BpeTrainer
{
    public static List<(int Left, int Right)> LearnMerges(
        IEnumerable<string> documents, int mergeCount, TokenizerOptions options)
    {
        var pre = new PreTokenizer(options.Pattern, options.MaxChunkChars);
        var chunkCounts = CountChunks(documents, pre);

        var words = new int[chunkCounts.Count][];
        var freqs = new long[chunkCounts.Count];
        var w = 0;
        // Sorting makes word indices (and so every later step) independent of dictionary order.
        foreach (var (chunk, count) in chunkCounts.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(chunk);
            words[w] = Array.ConvertAll(bytes, b => (int)b);
            freqs[w] = count;
            w++;
        }

        var pairCounts = new Dictionary<long, long>();
        var where = new Dictionary<long, HashSet<int>>();
        for (var i = 0; i < words.Length; i++)
        {
            var syms = words[i];
            for (var j = 0; j + 1 < syms.Length; j++)
            {
                var key = Key(syms[j], syms[j + 1]);
                pairCounts[key] = pairCounts.GetValueOrDefault(key) + freqs[i];
                if (!where.TryGetValue(key, out var set))
                {
                    where[key] = set = [];
                }
                set.Add(i);
            }
        }

        var heap = new PriorityQueue<long, (long Count, long Key)>(pairCounts.Count, HeapOrder.Instance);
        foreach (var (key, count) in pairCounts)
        {
            heap.Enqueue(key, (count, key));
        }

        var merges = new List<(int, int)>(mergeCount);
        var delta = new Dictionary<long, long>();
        while (merges.Count < mergeCount && heap.TryDequeue(out var best, out var prio))
        {
            if (pairCounts.GetValueOrDefault(best) != prio.Count)
            {
                continue;
            }
            if (prio.Count < options.MinPairCount)
            {
                break;
            }
            var (left, right) = Unkey(best);
            var newId = BpeTokenizer.FirstMergeId + merges.Count;
            merges.Add((left, right));

            delta.Clear();
            foreach (var wi in where.TryGetValue(best, out var holders) ? holders : [])
            {
                var old = words[wi];
                var merged = Merge(old, left, right, newId);
                if (merged.Length == old.Length)
                {
                    continue;
                }
                var f = freqs[wi];
                for (var j = 0; j + 1 < old.Length; j++)
                {
                    var k = Key(old[j], old[j + 1]);
                    delta[k] = delta.GetValueOrDefault(k) - f;
                }
                for (var j = 0; j + 1 < merged.Length; j++)
                {
                    var k = Key(merged[j], merged[j + 1]);
                    delta[k] = delta.GetValueOrDefault(k) + f;
                    if (!where.TryGetValue(k, out var set))
                    {
                        where[k] = set = [];
                    }
                    set.Add(wi);
                }
                words[wi] = merged;
            }
            foreach (var (k, d) in delta)
            {
                if (d == 0)
                {
                    continue;
                }
                var c = pairCounts.GetValueOrDefault(k) + d;
                if (c <= 0)
                {
                    pairCounts.Remove(k);
                }
                else
                {
                    pairCounts[k] = c;
                    heap.Enqueue(k, (c, k));
                }
            }
            pairCounts.Remove(best);
            where.Remove(best);
        }
        return merges;
    }

    private static Dictionary<string, long> CountChunks(IEnumerable<string> documents, PreTokenizer pre)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var lookup = counts.GetAlternateLookup<ReadOnlySpan<char>>();
        foreach (var doc in documents)
        {
            ArgumentNullException.ThrowIfNull(doc);
            pre.Split(doc, (start, length) =>
            {
                var span = doc.AsSpan(start, length);
                lookup[span] = lookup.TryGetValue(span, out var c) ? c + 1 : 1;
            });
        }
        return counts;
    }

    /// <summary>Replaces every non-overlapping (left, right), scanning left to right.</summary>
    internal static int[] Merge(int[] symbols, int left, int right, int newId)
    {
        var result = new List<int>(symbols.Length);
        var i = 0;
        while (i < symbols.Length)
        {
            if (i + 1 < symbols.Length && symbols[i] == left && symbols[i + 1] == right)
            {
                result.Add(newId);
                i += 2;
            }
            else
            {
                result.Add(symbols[i]);
                i++;
            }
        }
        return result.Count == symbols.Length ? symbols : result.ToArray();
    }

    internal static long Key(int left, int right) => ((long)left << 32) | (uint)right;

    private static (int, int) Unkey(long key) => ((int)(key >> 32), (int)(key & 0xFFFFFFFF));

    private sealed class HeapOrder : IComparer<(long Count, long Key)>
    {
        public static readonly HeapOrder Instance = new();

        public int Compare((long Count, long Key) x, (long Count, long Key) y)
        {
            var c = y.Count.CompareTo(x.Count);
            return c != 0 ? c : x.Key.CompareTo(y.Key);
        }
    }
}
