namespace ActorCodistill.Workers.Data;

/// <summary>Row-major CTR batch: labels [B], dense [B, 13], hashed categorical [B, 26].</summary>
public sealed record CtrBatch(float[] Labels, float[] Dense, int[] Categorical, int BatchSize);

/// <summary>Seeded shuffled mini-batches over one shard of CTR examples, cycling epochs.</summary>
public sealed class CtrBatcher : ShuffledBatcher<CtrBatch>
{
    private readonly IReadOnlyList<CtrExample> _examples;

    public CtrBatcher(IReadOnlyList<CtrExample> examples, IReadOnlyList<int> shard, int batchSize, long seed)
        : base((examples ?? throw new ArgumentNullException(nameof(examples))).Count, shard, batchSize, seed)
    {
        _examples = examples;
    }

    protected override CtrBatch Gather(int[] indices) => Gather(_examples, indices);

    /// <summary>Evaluation: the shard in its given order, in batches of at most <paramref name="batchSize"/> (the last may be smaller).</summary>
    public static IEnumerable<CtrBatch> Sequential(IReadOnlyList<CtrExample> examples, IReadOnlyList<int> shard, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(examples);
        return Sequential(examples.Count, shard, batchSize, indices => Gather(examples, indices));
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
}
