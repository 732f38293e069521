namespace ActorCodistill.Workers.Data;

/// <summary>
/// Seeded shuffled mini-batches over one shard of an indexed data set, cycling epochs (see
/// <see cref="ShuffledIndexStream"/> for how epoch boundaries are handled), plus the ordered
/// evaluation batches. A data set only says how to gather the items at given indices into a batch.
/// </summary>
public abstract class ShuffledBatcher<TBatch>
{
    private readonly ShuffledIndexStream _indices;

    protected ShuffledBatcher(int itemCount, IReadOnlyList<int> shard, int batchSize, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        CheckShard(shard, itemCount);
        _indices = new ShuffledIndexStream(shard, seed);
        BatchSize = batchSize;
    }

    public int BatchSize { get; }

    public int Epoch => _indices.Epoch;

    public ShuffledIndexState State => _indices.State;

    public void Restore(ShuffledIndexState state) => _indices.Restore(state);

    public TBatch Next()
    {
        var indices = new int[BatchSize];
        for (var i = 0; i < BatchSize; i++)
        {
            indices[i] = _indices.Next();
        }
        return Gather(indices);
    }

    protected abstract TBatch Gather(int[] indices);

    /// <summary>Evaluation: the shard in its given order, in batches of at most <paramref name="batchSize"/> (the last may be smaller).</summary>
    protected static IEnumerable<TBatch> Sequential(int itemCount, IReadOnlyList<int> shard, int batchSize, Func<int[], TBatch> gather)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        CheckShard(shard, itemCount);
        return Enumerate();

        IEnumerable<TBatch> Enumerate()
        {
            for (var start = 0; start < shard.Count; start += batchSize)
            {
                var n = Math.Min(batchSize, shard.Count - start);
                var indices = new int[n];
                for (var i = 0; i < n; i++)
                {
                    indices[i] = shard[start + i];
                }
                yield return gather(indices);
            }
        }
    }

    private static void CheckShard(IReadOnlyList<int> shard, int count)
    {
        ArgumentNullException.ThrowIfNull(shard);
        foreach (var i in shard)
        {
            if ((uint)i >= (uint)count)
            {
                throw new ArgumentException($"Shard index {i} is outside the data set of {count} items.", nameof(shard));
            }
        }
    }
}
