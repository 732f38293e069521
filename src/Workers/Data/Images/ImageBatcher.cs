namespace ActorCodistill.Workers.Data;

/// <summary>Row-major images [BatchSize, C, H, W] and their labels [BatchSize].</summary>
public sealed record ImageBatch(float[] Images, long[] Labels, int BatchSize, int Channels, int Height, int Width);

/// <summary>
/// Seeded shuffled mini-batches over one shard of an <see cref="ImageDataset"/>, cycling epochs
/// (see <see cref="ShuffledIndexStream"/> for how epoch boundaries are handled).
/// </summary>
public sealed class ImageBatcher
{
    private readonly ImageDataset _data;
    private readonly ShuffledIndexStream _indices;

    public ImageBatcher(ImageDataset data, IReadOnlyList<int> shard, int batchSize, long seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        CheckShard(shard, data.Count);
        _data = data;
        _indices = new ShuffledIndexStream(shard, seed);
        BatchSize = batchSize;
    }

    public int BatchSize { get; }

    public int Epoch => _indices.Epoch;

    public ShuffledIndexState State => _indices.State;

    public void Restore(ShuffledIndexState state) => _indices.Restore(state);

    public ImageBatch Next()
    {
        var indices = new int[BatchSize];
        for (var i = 0; i < BatchSize; i++)
        {
            indices[i] = _indices.Next();
        }
        return Gather(_data, indices);
    }

    /// <summary>Evaluation: the shard in its given order, in batches of at most <paramref name="batchSize"/> (the last may be smaller).</summary>
    public static IEnumerable<ImageBatch> Sequential(ImageDataset data, IReadOnlyList<int> shard, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        CheckShard(shard, data.Count);
        return Enumerate();

        IEnumerable<ImageBatch> Enumerate()
        {
            for (var start = 0; start < shard.Count; start += batchSize)
            {
                var n = Math.Min(batchSize, shard.Count - start);
                var indices = new int[n];
                for (var i = 0; i < n; i++)
                {
                    indices[i] = shard[start + i];
                }
                yield return Gather(data, indices);
            }
        }
    }

    private static ImageBatch Gather(ImageDataset data, int[] indices)
    {
        var size = data.ImageSize;
        var images = new float[indices.Length * size];
        var labels = new long[indices.Length];
        for (var i = 0; i < indices.Length; i++)
        {
            data.Image(indices[i]).CopyTo(images.AsSpan(i * size, size));
            labels[i] = data.Labels[indices[i]];
        }
        return new ImageBatch(images, labels, indices.Length, data.Channels, data.Height, data.Width);
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
