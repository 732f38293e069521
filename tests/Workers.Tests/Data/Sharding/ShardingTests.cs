using ActorCodistill.Workers.Data;

namespace ActorCodistill.Workers.Tests.Data.Sharding;

using Sharding = ActorCodistill.Workers.Data.Sharding;

[Trait("Category", "Unit")]
public sealed class ShardingTests
{
    public static TheoryData<int, int, int, double, long> Specs => new()
    {
        { 66, 2, 2, 0.05, 1 },
        { 66, 4, 1, 0.0, 2 },
        { 100, 3, 3, 0.1, 3 },
        { 9, 2, 4, 0.0, 4 },
        { 1000, 8, 4, 0.2, 5 },
        { 61, 5, 3, 0.13, 6 },
    };

    [Theory]
    [MemberData(nameof(Specs))]
    public void Plan_Disjoint_ShardsDisjointCoverEverythingAndBalanced(int count, int groups, int workers, double fraction, long seed)
    {
        var plan = Sharding.Plan(count, new ShardSpec(groups, workers, ShardMode.Disjoint, fraction, seed));

        var all = plan.Shards.SelectMany(g => g).SelectMany(w => w).Concat(plan.Validation).ToList();
        Assert.Equal(count, all.Count);
        Assert.Equal(Enumerable.Range(0, count), all.Order());
        Assert.Equal((int)Math.Round(count * fraction, MidpointRounding.AwayFromZero), plan.Validation.Count);
        var sizes = plan.Shards.SelectMany(g => g).Select(w => w.Count).ToList();
        Assert.True(sizes.Max() - sizes.Min() <= 1, $"worker shard sizes {string.Join(",", sizes)}");
        Assert.All(plan.Shards.SelectMany(g => g), w => Assert.Equal(w.Order(), w));
    }

    [Theory]
    [MemberData(nameof(Specs))]
    public void Plan_SameInputsTwice_IdenticalPlan(int count, int groups, int workers, double fraction, long seed)
    {
        var spec = new ShardSpec(groups, workers, ShardMode.Disjoint, fraction, seed);

        var a = Sharding.Plan(count, spec);
        var b = Sharding.Plan(count, spec);

        Assert.Equal(a.Validation, b.Validation);
        for (var g = 0; g < groups; g++)
        {
            for (var w = 0; w < workers; w++)
            {
                Assert.Equal(a.Worker(g, w), b.Worker(g, w));
            }
        }
    }

    [Fact]
    public void Plan_DifferentSeed_DifferentShards()
    {
        var a = Sharding.Plan(100, new ShardSpec(2, 2, Seed: 1));
        var b = Sharding.Plan(100, new ShardSpec(2, 2, Seed: 2));

        Assert.NotEqual(a.Worker(0, 0), b.Worker(0, 0));
    }

    [Fact]
    public void Plan_Shared_EveryGroupHasAllTrainItemsSplitAmongItsWorkers()
    {
        var plan = Sharding.Plan(50, new ShardSpec(3, 2, ShardMode.Shared, 0.1, 7));
        var train = Enumerable.Range(0, 50).Except(plan.Validation).Order().ToList();

        for (var g = 0; g < 3; g++)
        {
            Assert.Equal(train, plan.Group(g));
            Assert.Empty(plan.Worker(g, 0).Intersect(plan.Worker(g, 1)));
        }
        Assert.NotEqual(plan.BatcherSeed(0, 0), plan.BatcherSeed(1, 0));
    }

    [Fact]
    public void Plan_BySize_LoadsWithinLargestItem()
    {
        var rng = new SeededRandom(17L);
        var sizes = Enumerable.Range(0, 66).Select(_ => (long)(1000 + rng.NextInt(40000))).ToArray();

        var plan = Sharding.Plan(66, new ShardSpec(2, 2, ShardMode.Disjoint, 0.0, 3), sizes);

        var loads = plan.Shards.SelectMany(g => g).Select(w => w.Sum(i => sizes[i])).ToList();
        Assert.True(loads.Max() - loads.Min() <= sizes.Max(), $"loads {string.Join(",", loads)}");
        Assert.Equal(66, plan.Shards.SelectMany(g => g).Sum(w => w.Count));
        var groupLoads = Enumerable.Range(0, 2).Select(g => plan.Group(g).Sum(i => sizes[i])).ToList();
        Assert.True(Math.Abs(groupLoads[0] - groupLoads[1]) <= sizes.Max());
    }

    [Fact]
    public void SplitBySize_HandComputed_GreedyLightestFirst()
    {
        // Largest first: 10 -> p0, 7 -> p1, 5 -> p1 (7 < 10), 3 -> p0 (10 < 12).
        var parts = Sharding.SplitBySize([0, 1, 2, 3], [3, 10, 5, 7], 2, seed: 0);

        Assert.Equal([0, 1], parts[0]);
        Assert.Equal([2, 3], parts[1]);
    }

    [Fact]
    public void Plan_TooFewItems_ErrorSaysWhatToChange()
    {
        var e = Assert.Throws<ArgumentException>(() => Sharding.Plan(3, new ShardSpec(2, 2)));

        Assert.Contains("3 training documents", e.Message);
        Assert.Contains("training.workers-per-group", e.Message);
        Assert.Contains("data.shard-mode = shared", e.Message);
        Assert.DoesNotContain("Sharding.", e.Message);
    }

    [Fact]
    public void Plan_OneDocumentHoldingMostTokens_LeavesNoWorkerEmptyButRefusesNamingTheWorker()
    {
        // Issue 19, finding 1: one large document and a few small ones, balanced by size, gave a group only the large
        // one, so its second worker had no document and failed in the middle of the job. Now the plan refuses.
        var sizes = new long[] { 100_000, 10, 10, 10, 10, 10 };
        var e = Assert.Throws<ArgumentException>(() => Sharding.Plan(sizes.Length, new ShardSpec(2, 2), sizes));

        Assert.Contains("worker 1 of group", e.Message);
        Assert.Contains("gets none", e.Message);
    }

    [Fact]
    public void SplitValidation_Disjoint_SortedAndStable()
    {
        var (train, validation) = Sharding.SplitValidation(20, 0.25, 42);

        Assert.Equal(5, validation.Length);
        Assert.Equal(15, train.Length);
        Assert.Empty(train.Intersect(validation));
        Assert.Equal(validation.Order(), validation);
        Assert.Equal(validation, Sharding.SplitValidation(20, 0.25, 42).Validation);
    }

    [Theory]
    [InlineData(10L, 3)]
    [InlineData(0L, 4)]
    [InlineData(7L, 7)]
    [InlineData(1_000_003L, 16)]
    public void ContiguousRanges_TileWithLengthsWithinOne(long total, int parts)
    {
        var ranges = Sharding.ContiguousRanges(total, parts);

        Assert.Equal(parts, ranges.Length);
        Assert.Equal(0, ranges[0].Start);
        for (var p = 1; p < parts; p++)
        {
            Assert.Equal(ranges[p - 1].Start + ranges[p - 1].Length, ranges[p].Start);
        }
        Assert.Equal(total, ranges.Sum(r => r.Length));
        Assert.True(ranges.Max(r => r.Length) - ranges.Min(r => r.Length) <= 1);
    }

    [Fact]
    public void SplitDocumentsContiguous_FewerDocsThanParts_ConcatenationPreserved()
    {
        int[][] docs = [[1, 2, 3, 4, 5, 6, 7], [], [8, 9, 10]];

        var parts = Sharding.SplitDocumentsContiguous(docs, 4);

        Assert.Equal([[1, 2, 3]], parts[0]);
        Assert.Equal([[4, 5, 6]], parts[1]);
        Assert.Equal([[7], [8]], parts[2]);
        Assert.Equal([[9, 10]], parts[3]);
    }
}
