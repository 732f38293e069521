using ActorCodistill.Coordinator.Reporting;

namespace ActorCodistill.Coordinator.Tests.Reporting;

[Trait("Category", "Unit")]
public sealed class ChurnTests
{
    /// <summary>Ten examples; b disagrees with a on the top-1 of examples 2, 5 and 7.</summary>
    private static (PredictionSet A, PredictionSet B) TenClassifications()
    {
        int[] topA = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
        int[] topB = [0, 1, 9, 3, 4, 0, 6, 1, 8, 9];
        var probA = Enumerable.Repeat(0.5f, 10).ToArray();
        var probB = Enumerable.Repeat(0.5f, 10).ToArray();
        probB[0] = 0.7f;
        probB[1] = 0.25f;
        return (PredictionSet.Classification(topA, probA, "a"), PredictionSet.Classification(topB, probB, "b"));
    }

    [Fact]
    public void Between_Classification_KnownDisagreementAndMeanAbsoluteDifference()
    {
        var (a, b) = TenClassifications();

        var churn = Churn.Between(a, b);

        Assert.Equal(10, churn.Count);
        Assert.Equal(0.3, churn.DisagreementRate, 12);
        Assert.Equal((0.2 + 0.25) / 10, churn.MeanAbsoluteDifference, 6);
    }

    [Fact]
    public void Between_SamePredictions_NoChurn()
    {
        var (a, _) = TenClassifications();

        var churn = Churn.Between(a, a);

        Assert.Equal(0, churn.DisagreementRate);
        Assert.Equal(0, churn.MeanAbsoluteDifference);
    }

    [Fact]
    public void Between_Binary_MeanAbsoluteDifferenceAndThresholdFlips()
    {
        var a = PredictionSet.Binary([0.1f, 0.6f, 0.4f, 0.9f]);
        var b = PredictionSet.Binary([0.2f, 0.4f, 0.4f, 0.9f]);

        var churn = Churn.Between(a, b);

        Assert.Equal(PredictionKind.Binary, churn.Kind);
        Assert.Equal(0.25, churn.DisagreementRate, 12);
        Assert.Equal((0.1 + 0.2) / 4, churn.MeanAbsoluteDifference, 6);
    }

    [Fact]
    public void Between_CountsDiffer_ErrorNamesBothSources()
    {
        var a = PredictionSet.Binary([0.1f, 0.2f], "runs/a/predictions-g0.bin");
        var b = PredictionSet.Binary([0.1f], "runs/b/predictions-g0.bin");

        var error = Assert.Throws<InvalidDataException>(() => Churn.Between(a, b));

        Assert.Contains("runs/a/predictions-g0.bin has 2", error.Message);
        Assert.Contains("runs/b/predictions-g0.bin has 1", error.Message);
    }

    [Fact]
    public void Between_KindsDiffer_Throws()
    {
        var a = PredictionSet.Binary([0.1f]);
        var b = PredictionSet.Classification([1], [0.1f]);

        Assert.Throws<InvalidDataException>(() => Churn.Between(a, b));
    }

    [Fact]
    public void BetweenRetrains_TwoRunDirectories_ReadsTheGroupsFiles()
    {
        using var dir = new TempDirectory();
        var runA = dir.Sub("a");
        var runB = dir.Sub("b");
        var (a, b) = TenClassifications();
        PredictionFile.Write(RunFiles.Predictions(runA, 1), a);
        PredictionFile.Write(RunFiles.Predictions(runB, 1), b);

        var churn = Churn.BetweenRetrains(runA, runB, group: 1);

        Assert.Equal(0.3, churn.DisagreementRate, 12);
        Assert.Contains("top-1 disagreement 30.00%, mean |delta p(true label)| 0.0450 over 10 examples", Churn.Format(churn, "retrains"));
    }

    [Fact]
    public void BetweenGroups_ThreeGroups_EveryPairInOrder()
    {
        using var dir = new TempDirectory();
        PredictionFile.Write(RunFiles.Predictions(dir.Path, 0), PredictionSet.Binary([0.2f, 0.2f, 0.2f, 0.2f]));
        PredictionFile.Write(RunFiles.Predictions(dir.Path, 1), PredictionSet.Binary([0.8f, 0.2f, 0.2f, 0.2f]));
        PredictionFile.Write(RunFiles.Predictions(dir.Path, 2), PredictionSet.Binary([0.8f, 0.8f, 0.2f, 0.2f]));
        File.WriteAllText(dir.File("predictions-gx.bin"), "not a group file, ignored");

        var pairs = Churn.BetweenGroups(dir.Path);

        Assert.Equal([(0, 1), (0, 2), (1, 2)], pairs.Select(p => (p.GroupA, p.GroupB)));
        Assert.Equal([0.25, 0.5, 0.25], pairs.Select(p => p.Churn.DisagreementRate));
        Assert.Contains("mean over 3 pairs: disagreement 33.33%", Churn.Format(pairs));
    }

    [Fact]
    public void BetweenGroups_OneFile_Empty()
    {
        using var dir = new TempDirectory();
        PredictionFile.Write(RunFiles.Predictions(dir.Path, 0), PredictionSet.Binary([0.2f]));

        Assert.Empty(Churn.BetweenGroups(dir.Path));
    }
}
