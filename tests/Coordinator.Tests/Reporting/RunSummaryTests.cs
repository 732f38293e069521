using ActorCodistill.Coordinator.Reporting;
using Spectre.Console;
using static ActorCodistill.Coordinator.Tests.Reporting.Runs;

namespace ActorCodistill.Coordinator.Tests.Reporting;

[Trait("Category", "Unit")]
public sealed class RunSummaryTests
{
    /// <summary>
    /// Two groups; group 1 misses the eval at step 150; group 1's step-100 eval was re-run after a
    /// resume (the later record, 3.8, must win over 9.9).
    /// </summary>
    private static RunRecords HandMade(SummaryRecord? summary = null)
    {
        var records = new List<MetricRecord>
        {
            Train(10, 0, 6.0, examplesPerSecond: 100, time: 1),
            Train(10, 1, 6.2, examplesPerSecond: 200, time: 1),
            Train(20, 0, 5.0, examplesPerSecond: 300, ages: [5], time: 2),
            Train(20, 1, 5.4, examplesPerSecond: 200, ages: [7], time: 2),
            Eval(50, 0, 4.0, time: 5),
            Eval(50, 1, 4.4, time: 5),
            Eval(100, 0, 3.6, time: 10),
            Eval(100, 1, 9.9, time: 10),
            new EventRecord(120, -1, "resumed from checkpoint at step 100", 12),
            Eval(100, 1, 3.8, time: 12.5),
            Eval(150, 0, 3.9, time: 15.5),
        };
        if (summary is not null)
            records.Add(summary);
        return Make(Info("hand", RunMode.Codistill), records.ToArray());
    }

    [Fact]
    public void From_HandMadeRun_MeanCurveAveragesTheGroupsThatReported()
    {
        var summary = RunSummary.From(HandMade());

        Assert.Equal([50L, 100L, 150L], summary.MeanValidationCurve.Select(p => p.Step));
        Assert.Equal(4.2, summary.MeanValidationCurve[0].MeanValLoss, 12);
        Assert.Equal(3.7, summary.MeanValidationCurve[1].MeanValLoss, 12);
        Assert.Equal(3.9, summary.MeanValidationCurve[2].MeanValLoss, 12);
        Assert.Equal([2, 2, 1], summary.MeanValidationCurve.Select(p => p.GroupsReporting));
        Assert.Equal(100, summary.BestMean!.Step);
        Assert.Equal(150, summary.FinalMean!.Step);
    }

    [Fact]
    public void From_HandMadeRun_PerGroupBestAndFinal()
    {
        var summary = RunSummary.From(HandMade());

        Assert.Equal([0, 1], summary.Groups.Select(g => g.Group));
        var g0 = summary.Groups[0];
        var g1 = summary.Groups[1];
        Assert.Equal((3.6, 100L, 3.9, 150L), (g0.BestValLoss!.Value, g0.BestValStep!.Value, g0.FinalValLoss!.Value, g0.FinalValStep!.Value));
        Assert.Equal((3.8, 100L, 3.8, 100L), (g1.BestValLoss!.Value, g1.BestValStep!.Value, g1.FinalValLoss!.Value, g1.FinalValStep!.Value));
        Assert.Equal(5.0, g0.FinalTrainLoss);
        Assert.Equal(5.4, g1.FinalTrainLoss);
        Assert.Equal(200, g0.MeanExamplesPerSecond, 12);
        Assert.Equal(200, g1.MeanExamplesPerSecond, 12);
        Assert.Equal([5L], g0.FinalTeacherAges);
        Assert.Equal([7L], g1.FinalTeacherAges);
    }

    [Fact]
    public void From_RunWithoutSummaryRecord_StepsAndWallFromRecordsAndNotCompleted()
    {
        var summary = RunSummary.From(HandMade());

        Assert.Equal(150, summary.Steps);
        Assert.Equal(15.5, summary.WallTimeSeconds);
        Assert.Equal(400, summary.ExamplesPerSecond, 12);
        Assert.False(summary.Completed);
        Assert.Empty(summary.Counters);
    }

    [Fact]
    public void From_RunWithSummaryRecord_StepsWallAndCountersFromIt()
    {
        var counters = new Dictionary<string, long> { ["bytes_sent"] = 4096, ["checkpoint_bytes"] = 1024 };

        var summary = RunSummary.From(HandMade(new SummaryRecord(160, -1, 17.0, counters)));

        Assert.Equal(160, summary.Steps);
        Assert.Equal(17.0, summary.WallTimeSeconds);
        Assert.True(summary.Completed);
        Assert.Equal(4096, summary.Counters["bytes_sent"]);
    }

    [Fact]
    public void From_NaNValidationLoss_NeverBest()
    {
        var run = Make(Info(groups: 1), Eval(50, 0, 4.0), Eval(100, 0, double.NaN));

        var summary = RunSummary.From(run);

        Assert.Equal(50, summary.BestMean!.Step);
        Assert.Equal(50, summary.Groups[0].BestValStep);
        Assert.True(double.IsNaN(summary.Groups[0].FinalValLoss!.Value));
    }

    [Fact]
    public void ToText_HandMadeRun_ShowsTheNumbers()
    {
        var text = RunSummary.From(HandMade(new SummaryRecord(160, -1, 17.0, new Dictionary<string, long> { ["bytes_sent"] = 4096 }))).ToText();

        Assert.Contains("run hand (codistill)", text);
        Assert.Contains("best 3.7000 at step 100, final 3.9000 at step 150", text);
        Assert.Contains("group 1: best val 3.8000 at step 100", text);
        Assert.Contains("teacher age 7", text);
        Assert.Contains("bytes_sent: 4096", text);
        Assert.Contains("400.0 examples/s", text);
    }

    [Fact]
    public void ToTable_Rendered_HasARowPerGroupAndTheMean()
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 160;

        console.Write(RunSummary.From(HandMade()).ToTable());
        var rendered = writer.ToString();

        Assert.Contains("hand (codistill)", rendered);
        Assert.Contains("3.6000", rendered);
        Assert.Contains("mean", rendered);
        Assert.Contains("3.7000", rendered);
        Assert.Contains("did not end cleanly", rendered);
    }
}
