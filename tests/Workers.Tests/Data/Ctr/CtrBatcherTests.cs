using ActorCodistill.Workers.Data;

namespace ActorCodistill.Workers.Tests.Data.Ctr;

[Trait("Category", "Unit")]
public sealed class CtrBatcherTests
{
    /// <summary>Example i has label i % 2, dense[0] = i and categorical[0] = i, so batches can be traced back.</summary>
    private static List<CtrExample> Examples(int n) =>
        [.. Enumerable.Range(0, n).Select(i => new CtrExample(i % 2, [i, .. new float[12]], [i, .. new int[25]]))];

    [Fact]
    public void Next_OneEpoch_EachShardItemOnceWithShapes()
    {
        var examples = Examples(100);
        int[] shard = [.. Enumerable.Range(0, 100).Where(i => i % 3 == 0)];
        var batcher = new CtrBatcher(examples, shard, batchSize: 2, seed: 4);

        var seen = new List<int>();
        for (var k = 0; k < shard.Length / 2; k++)
        {
            var b = batcher.Next();
            Assert.Equal((2, 2, 26, 52), (b.BatchSize, b.Labels.Length, b.Dense.Length, b.Categorical.Length));
            for (var i = 0; i < 2; i++)
            {
                var id = b.Categorical[i * 26];
                Assert.Equal(id, (int)b.Dense[i * 13]);
                Assert.Equal(id % 2, b.Labels[i]);
                seen.Add(id);
            }
        }
        Assert.Equal(shard, seen.Order());
        Assert.NotEqual(shard, seen);
        Assert.Equal(1, batcher.Epoch);
    }

    [Fact]
    public void Restore_SavedState_SameFollowingBatches()
    {
        var examples = Examples(37);
        int[] shard = [.. Enumerable.Range(0, 37)];
        var a = new CtrBatcher(examples, shard, 8, seed: 1);
        for (var k = 0; k < 7; k++)
        {
            a.Next();
        }
        var state = a.State;
        var expected = Enumerable.Range(0, 10).Select(_ => a.Next().Categorical).ToList();

        var b = new CtrBatcher(examples, shard, 8, seed: 1);
        b.Restore(state);

        Assert.All(expected, e => Assert.Equal(e, b.Next().Categorical));
    }

    [Fact]
    public void Sequential_PartialLastBatch_CoversShardInOrder()
    {
        var examples = Examples(10);

        var batches = CtrBatcher.Sequential(examples, [9, 8, 7, 6, 5], 2).ToList();

        Assert.Equal([2, 2, 1], batches.Select(b => b.BatchSize));
        Assert.Equal([9, 8, 7, 6, 5], batches.SelectMany(b => b.Dense.Where((_, i) => i % 13 == 0)).Select(d => (int)d));
    }

    [Fact]
    public void Constructor_ShardOutOfRange_Throws()
    {
        Assert.Throws<ArgumentException>(() => new CtrBatcher(Examples(3), [0, 3], 1, 0));
        Assert.Throws<ArgumentException>(() => new CtrBatcher(Examples(3), [], 1, 0));
    }
}
