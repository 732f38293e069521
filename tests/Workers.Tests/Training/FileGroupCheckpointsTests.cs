using ActorCodistill.Cluster.Persistence;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Workers.Tests.Training;

[Trait("Category", "Unit")]
public sealed class FileGroupCheckpointsTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "codistill-group-ckpt-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void Save_ThenLoadLatest_GivesTheNewestStateOfThatGroup_AndADamagedNewestFallsBackToTheOlder()
    {
        var store = new FileGroupCheckpoints(_directory);
        float[] Weights(float v) => Enumerable.Range(0, 50).Select(i => v + i).ToArray();
        store.Save(new GroupCheckpoint(0, 10, Weights(1), [1, 2, 3]));
        store.Save(new GroupCheckpoint(0, 20, Weights(2), [4, 5]));
        store.Save(new GroupCheckpoint(1, 30, Weights(3), []));

        var latest = store.LoadLatest(0)!;
        Assert.Equal((0, 20L), (latest.Group, latest.Step));
        Assert.Equal(Weights(2), latest.Parameters);
        Assert.Equal(new byte[] { 4, 5 }, latest.OptimizerState);
        Assert.Empty(store.LoadLatest(1)!.OptimizerState);
        Assert.Null(store.LoadLatest(2));

        var newest = Directory.GetFiles(_directory, "group-0.*.ckpt").OrderBy(f => f, StringComparer.Ordinal).Last();
        var bytes = File.ReadAllBytes(newest);
        bytes[^40] ^= 0xFF;
        File.WriteAllBytes(newest, bytes);
        var skipped = new List<string>();
        var fallback = store.LoadLatest(0, skipped.Add)!;
        Assert.Equal(10, fallback.Step);
        Assert.Equal(new byte[] { 1, 2, 3 }, fallback.OptimizerState);
        Assert.Single(skipped);
    }

    [Fact]
    public void Save_ThenLoadLatest_KeepsEachSlotsCarriedState_AndAnOlderFileHasNone()
    {
        var store = new FileGroupCheckpoints(_directory);
        var carried = new Dictionary<int, float[]> { [2] = [0.5f, float.NaN, -3], [0] = [1, 2], [1] = [] };
        store.Save(new GroupCheckpoint(3, 16, [1.5f, 2.5f, 3.5f], [9, 8, 7, 6, 5], carried));

        var loaded = store.LoadLatest(3)!;

        Assert.Equal([1.5f, 2.5f, 3.5f], loaded.Parameters);
        Assert.Equal(new byte[] { 9, 8, 7, 6, 5 }, loaded.OptimizerState);
        Assert.Equal(carried.OrderBy(kv => kv.Key), loaded.Carried!.OrderBy(kv => kv.Key));
        store.Save(new GroupCheckpoint(4, 16, [1f], [2]));
        Assert.Null(store.LoadLatest(4)!.Carried);
    }

    [Theory]
    [InlineData("0:2,x:1")]
    [InlineData("0:2,0:1")]
    [InlineData("0:-1")]
    [InlineData("0:9999")]
    public void LoadLatest_OfAFileWithABadCarriedEntry_NamesTheFile(string entry)
    {
        new FileCheckpointStore(_directory).Save("group-5", 12, new byte[4 * 2 + 3 + 4 * 3],
            new Dictionary<string, string> { ["parameters"] = "2", ["carried"] = entry });

        var e = Assert.Throws<InvalidDataException>(() => new FileGroupCheckpoints(_directory).LoadLatest(5));

        Assert.Contains("group-5.", e.Message);
        Assert.Contains("carried", e.Message);
    }

    [Fact]
    public void LoadLatest_OfAFileLaidOutByHand_GivesItsWeightsAndOptimizerState()
    {
        // What every version so far writes: float32 weights little-endian, then the optimizer bytes; 'parameters' in the header.
        new FileCheckpointStore(_directory).Save("group-4", 12, [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0, 7, 8, 9],
            new Dictionary<string, string> { ["parameters"] = "2" });

        var loaded = new FileGroupCheckpoints(_directory).LoadLatest(4)!;

        Assert.Equal((4, 12L), (loaded.Group, loaded.Step));
        Assert.Equal([1.0f, -2.0f], loaded.Parameters);
        Assert.Equal(new byte[] { 7, 8, 9 }, loaded.OptimizerState);
    }

    [Fact]
    public void Save_OfASmallStateAfterALargeOne_WritesExactlyItsOwnBytes()
    {
        var store = new FileGroupCheckpoints(_directory);
        store.Save(new GroupCheckpoint(0, 1, new float[3000], new byte[5000]));
        store.Save(new GroupCheckpoint(1, 2, [1.0f, -2.0f], [7, 8, 9]));

        Assert.Equal(11, new FileCheckpointStore(_directory).List("group-1").Single().PayloadLength);
        var loaded = store.LoadLatest(1)!;
        Assert.Equal([1.0f, -2.0f], loaded.Parameters);
        Assert.Equal(new byte[] { 7, 8, 9 }, loaded.OptimizerState);
    }
}
