using ActorCodistill.Workers.Data;

namespace ActorCodistill.Workers.Tests.Data.Images;

[Trait("Category", "Unit")]
public sealed class ImageBatcherTests
{
    /// <summary>Image i is 2x2 with every pixel i/100 and label i.</summary>
    private static ImageDataset Data(int n) => new(
        [.. Enumerable.Range(0, n).SelectMany(i => Enumerable.Repeat(i / 100f, 4))],
        [.. Enumerable.Range(0, n).Select(i => (long)i)], n, 1, 2, 2);

    [Fact]
    public void Next_TwoEpochs_EachItemOncePerEpochDifferentOrders()
    {
        var batcher = new ImageBatcher(Data(12), [.. Enumerable.Range(0, 12)], batchSize: 4, seed: 2);

        var epoch0 = Enumerable.Range(0, 3).SelectMany(_ => batcher.Next().Labels).ToList();
        var epoch1 = Enumerable.Range(0, 3).SelectMany(_ => batcher.Next().Labels).ToList();

        Assert.Equal(Enumerable.Range(0, 12).Select(i => (long)i), epoch0.Order());
        Assert.Equal(epoch0.Order(), epoch1.Order());
        Assert.NotEqual(epoch0, epoch1);
        Assert.Equal(2, batcher.Epoch);
    }

    [Fact]
    public void Next_PixelsFollowLabels()
    {
        var batcher = new ImageBatcher(Data(10), [3, 5, 7], batchSize: 3, seed: 0);

        var b = batcher.Next();

        Assert.Equal(12, b.Images.Length);
        for (var i = 0; i < 3; i++)
        {
            Assert.All(b.Images.AsSpan(i * 4, 4).ToArray(), p => Assert.Equal(b.Labels[i] / 100f, p));
        }
    }

    [Fact]
    public void Next_BatchStraddlesEpoch_AlwaysFull()
    {
        var batcher = new ImageBatcher(Data(5), [0, 1, 2, 3, 4], batchSize: 3, seed: 7);

        var labels = Enumerable.Range(0, 5).SelectMany(_ => batcher.Next().Labels).ToList();

        Assert.Equal(15, labels.Count);
        Assert.All(Enumerable.Range(0, 3), e => Assert.Equal(5, labels.Skip(e * 5).Take(5).Distinct().Count()));
    }

    [Fact]
    public void Restore_SameSeed_SameSequence()
    {
        var a = new ImageBatcher(Data(9), [.. Enumerable.Range(0, 9)], 2, seed: 3);
        a.Next();
        a.Next();
        var state = a.State;
        var expected = Enumerable.Range(0, 8).SelectMany(_ => a.Next().Labels).ToList();

        var b = new ImageBatcher(Data(9), [.. Enumerable.Range(0, 9)], 2, seed: 3);
        b.Restore(state);

        Assert.Equal(expected, Enumerable.Range(0, 8).SelectMany(_ => b.Next().Labels));
    }
}
