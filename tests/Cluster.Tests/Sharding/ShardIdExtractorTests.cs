using ActorCodistill.Cluster.Sharding;

namespace ActorCodistill.Cluster.Tests.Sharding;

[Trait("Category", "Unit")]
public sealed class ShardIdExtractorTests
{
    [Fact]
    public void Fnv1a32_KnownVectors_MatchReference()
    {
        // Reference values of 32-bit FNV-1a (offset basis 2166136261, prime 16777619).
        Assert.Equal(2166136261u, HashShardIdExtractor.Fnv1a32(""));
        Assert.Equal(0xE40C292Cu, HashShardIdExtractor.Fnv1a32("a"));
        Assert.Equal(0xBF9CF968u, HashShardIdExtractor.Fnv1a32("foobar"));
    }

    [Fact]
    public void ShardId_SameIdTwiceAndNewInstance_SameShard()
    {
        var a = new HashShardIdExtractor(10);
        var b = new HashShardIdExtractor(10);
        foreach (var id in new[] { "user-1", "user-2", "ünïcode", "" })
        {
            Assert.Equal(a.ShardId(id), a.ShardId(id));
            Assert.Equal(a.ShardId(id), b.ShardId(id));
        }
    }

    [Fact]
    public void ShardId_HandComputed_IsHashModCount()
    {
        // 0xBF9CF968 = 3214735720 = 7 * 459247960, and 0xE40C292C = 3826002220.
        Assert.Equal("0", new HashShardIdExtractor(10).ShardId("foobar"));
        Assert.Equal("0", new HashShardIdExtractor(7).ShardId("foobar"));
        Assert.Equal("0", new HashShardIdExtractor(10).ShardId("a"));
        Assert.Equal("5", new HashShardIdExtractor(7).ShardId("a"));
        Assert.Equal("7", new HashShardIdExtractor(9).ShardId("a"));
    }

    [Fact]
    public void ShardId_ManyIds_SpreadOverAllShards()
    {
        var extractor = new HashShardIdExtractor(10);
        var counts = Enumerable.Range(0, 1000).GroupBy(i => extractor.ShardId($"entity-{i}")).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(10, counts.Count);
        Assert.All(counts.Values, c => Assert.InRange(c, 50, 150));
    }

    [Fact]
    public void Constructor_ZeroShards_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new HashShardIdExtractor(0));
    }

    [Fact]
    public void PinnedShardId_WorkerId_IsItsOwnShard()
    {
        Assert.Equal("teacher/3", PinnedShardIdExtractor.Instance.ShardId(new WorkerEntityId("teacher", 3).ToString()));
        Assert.Equal(new WorkerEntityId("a/b", 12), WorkerEntityId.Parse("a/b/12"));
    }

    [Theory]
    [InlineData("no-rank")]
    [InlineData("/3")]
    [InlineData("g/-1")]
    [InlineData("g/x")]
    public void PinnedShardId_Malformed_ThrowsNamingId(string id)
    {
        var ex = Assert.Throws<ArgumentException>(() => PinnedShardIdExtractor.Instance.ShardId(id));
        Assert.Contains($"'{id}'", ex.Message);
    }
}
