using ActorCodistill.Coordinator.Dashboard;
using ActorCodistill.Coordinator.Reporting;

namespace ActorCodistill.Coordinator.Tests.Dashboard;

[Trait("Category", "Unit")]
public sealed class PastRunsTests
{
    [Theory]
    [InlineData("..")]
    [InlineData("../etc")]
    [InlineData("/etc")]
    [InlineData("a/b")]
    [InlineData("")]
    [InlineData("no-such-run")]
    public void OnlyRunFoldersDirectlyUnderTheRoot_CanBeOpened(string name)
    {
        var root = Directory.CreateTempSubdirectory("codistill-past-runs-").FullName;
        try
        {
            var e = Assert.Throws<ArgumentException>(() => new PastRuns(root).Read(name));
            Assert.Contains("run folder", e.Message);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void TwoRuns_AreComparedWithTheCliFigures()
    {
        var root = Directory.CreateTempSubdirectory("codistill-past-runs-").FullName;
        try
        {
            Write(root, "base", RunMode.Baseline, [3.0, 2.5, 2.2]);
            Write(root, "cod", RunMode.Codistill, [2.9, 2.1, 1.9]);
            var runs = new PastRuns(root);
            Assert.Equal(["base", "cod"], runs.List().Select(r => r.Name).Order());
            var pair = runs.Compare("base", "cod");
            var expected = RunComparison.Format(RunComparison.StepsToTarget(MetricsReader.Read(Path.Combine(root, "base")), MetricsReader.Read(Path.Combine(root, "cod"))));
            Assert.Equal(expected, pair.StepsToTarget);
            Assert.Equal(20, pair.StepAtTarget);
            Assert.Equal(3, pair.A.MeanValidation.Count);
            // No prediction files: churn says why instead of failing the comparison.
            Assert.All(pair.Retrains, c => Assert.NotNull(c.Error));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static void Write(string root, string name, RunMode mode, double[] valLosses)
    {
        var folder = Path.Combine(root, name);
        var info = new RunInfo(name, mode, "lstm-lm", 1, 1, 1, new Dictionary<string, string>(), DateTimeOffset.UnixEpoch, new Dictionary<string, string>());
        using var writer = MetricsWriter.Create(folder, info);
        for (var i = 0; i < valLosses.Length; i++)
        {
            var step = 10L * (i + 1);
            writer.Append(new TrainRecord(step, 0, valLosses[i], valLosses[i], 0, false, 100, [], step));
            writer.Append(new EvalRecord(step, 0, valLosses[i], step));
        }
    }
}
