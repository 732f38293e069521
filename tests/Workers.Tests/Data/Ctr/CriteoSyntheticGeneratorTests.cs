using ActorCodistill.Workers.Data;

namespace ActorCodistill.Workers.Tests.Data.Ctr;

[Trait("Category", "Unit")]
public sealed class CriteoSyntheticGeneratorTests
{
    [Fact]
    public void WriteFile_ReadBack_ZeroMalformedAndLabelledSynthetic()
    {
        using var dir = new TempFolder();

        var path = CriteoSyntheticGenerator.WriteFile(dir.Path, 4000, seed: 5);
        var result = CriteoReader.ReadFile(path, new CriteoReaderOptions { BucketCount = 1 << 16 });

        Assert.Equal("synthetic-criteo-seed5-n4000.tsv", Path.GetFileName(path));
        Assert.Equal(0, result.Report.Malformed);
        Assert.Equal(4000, result.Examples.Count);
        var rate = result.Examples.Average(e => e.Label);
        Assert.InRange(rate, 0.1, 0.6);
        Assert.Contains(result.Examples, e => e.HashedCategorical.Contains(CtrExample.MissingBucket));
        Assert.Contains(result.Examples, e => e.Dense.Any(d => d > 0));
    }

    [Fact]
    public void Generate_SameSeed_SameLines_DifferentSeed_Different()
    {
        var a = new CriteoSyntheticGenerator(1).Generate(200).Select(x => x.Line).ToList();
        var b = new CriteoSyntheticGenerator(1).Generate(200).Select(x => x.Line).ToList();
        var c = new CriteoSyntheticGenerator(2).Generate(200).Select(x => x.Line).ToList();

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Generate_Labels_DependOnFeatures()
    {
        // Clicks must follow the hidden model: the likelier half clicks much more than the other half.
        var rows = new CriteoSyntheticGenerator(3).Generate(8000).ToList();
        var median = rows.Select(r => r.ClickProbability).Order().ElementAt(rows.Count / 2);

        double Rate(IEnumerable<(string Line, double ClickProbability)> part) => part.Average(r => r.Line[0] == '1' ? 1.0 : 0.0);
        var high = Rate(rows.Where(r => r.ClickProbability >= median));
        var low = Rate(rows.Where(r => r.ClickProbability < median));

        Assert.True(high - low > 0.15, $"click rate {high:F3} (likely half) vs {low:F3}");
    }
}
