namespace ActorCodistill.Workers.Data;

/// <summary>Row-major CTR batch: labels [B], dense [B, 13], hashed categorical [B, 26].</summary>
public sealed record CtrBatch(float[] Labels, float[] Dense, int[] Categorical, int BatchSize);

/// <summary>
/// Seeded shuffled mini-batches over one shard of CTR examples, cycling epochs
/// (see <see cref="ShuffledIndexStream"/> for how epoch boundaries are handled).
/// </summary>
public sealed class CtrBatcher
{
    private readonly IReadOnlyList<CtrExample> _examples;
    private readonly ShuffledIndexStream _indices;

    public CtrBatcher(IReadOnlyList<CtrExample> examples, IReadOnlyList<int> shard, int batchSize, long seed)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        CheckShard(shard, examples.Count);
        _examples = examples;
        _indices = new ShuffledIndexStream(shard, seed);
        BatchSize = batchSize;
    }

    public int BatchSize { get; }

    public int Epoch => _indices.Epoch;

    public ShuffledIndexState State => _indices.State;

    public void Restore(ShuffledIndexState state) => _indices.Restore(state);

    public CtrBatch Next()
    {
        var indices = new int[BatchSize];
        for (var i = 0; i < BatchSize; i++)
        {
            indices[i] = _indices.Next();
        }
        return Gather(_examples, indices);
    }

    /// <summary>Evaluation: the shard in its given order, in batches of at most <paramref name="batchSize"/> (the last may be smaller).</summary>
    public static IEnumerable<CtrBatch> Sequential(IReadOnlyList<CtrExample> examples, IReadOnlyList<int> shard, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        CheckShard(shard, examples.Count);
        return Enumerate();

        IEnumerable<CtrBatch> Enumerate()
        {
            for (var start = 0; start < shard.Count; start += batchSize)
            {
                var n = Math.Min(batchSize, shard.Count - start);
                var indices = new int[n];
                for (var i = 0; i < n; i++)
                {
                    indices[i] = shard[start + i];
                }
                yield return Gather(examples, indices);
            }
        }
    }

    private static CtrBatch Gather(IReadOnlyList<CtrExample> examples, int[] indices)
    {
        var n = indices.Length;
        var labels = new float[n];
        var dense = new float[n * CtrExample.DenseCount];
        var categorical = new int[n * CtrExample.CategoricalCount];
        for (var i = 0; i < n; i++)
        {
            var e = examples[indices[i]];
            labels[i] = e.Label;
            e.Dense.CopyTo(dense, i * CtrExample.DenseCount);
            e.HashedCategorical.CopyTo(categorical, i * CtrExample.CategoricalCount);
        }
        return new CtrBatch(labels, dense, categorical, n);
    }

    private static void CheckShard(IReadOnlyList<int> shard, int count)
    {
        ArgumentNullException.ThrowIfNull(shard);
        foreach (var i in shard)
        {
            if ((uint)i >= (uint)count)
            {
                throw new ArgumentException($"Shard index {i} is outside the {count} examples.", nameof(shard));
            }
        }
    }
}
