namespace ActorCodistill.Workers.Data;

/// <summary>Row-major images [BatchSize, C, H, W] and their labels [BatchSize].</summary>
public sealed record ImageBatch(float[] Images, long[] Labels, int BatchSize, int Channels, int Height, int Width);

/// <summary>Seeded shuffled mini-batches over one shard of an <see cref="ImageDataset"/>, cycling epochs.</summary>
public sealed class ImageBatcher : ShuffledBatcher<ImageBatch>
{
    private readonly ImageDataset _data;

    public ImageBatcher(ImageDataset data, IReadOnlyList<int> shard, int batchSize, long seed)
        : base((data ?? throw new ArgumentNullException(nameof(data))).Count, shard, batchSize, seed)
    {
        _data = data;
    }

    protected override ImageBatch Gather(int[] indices) => Gather(_data, indices);

    /// <summary>Evaluation: the shard in its given order, in batches of at most <paramref name="batchSize"/> (the last may be smaller).</summary>
    public static IEnumerable<ImageBatch> Sequential(ImageDataset data, IReadOnlyList<int> shard, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Sequential(data.Count, shard, batchSize, indices => Gather(data, indices));
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
}
