using ActorCodistill.Coordinator.Reporting;
using static ActorCodistill.Coordinator.Tests.Reporting.Runs;

namespace ActorCodistill.Coordinator.Tests.Reporting;

[Trait("Category", "Unit")]
public sealed class RunComparisonTests
{
    private static readonly RunRecords Baseline =
        WithCurve("b1", RunMode.Baseline, (100, 5.0), (200, 4.0), (300, 3.5), (400, 3.6));

    [Fact]
    public void StepsToTarget_CodistillReachesTarget_FirstStepAtOrBelowAndRatio()
    {
        var codistill = WithCurve("c1", RunMode.Codistill, (50, 4.6), (100, 4.0), (150, 3.5), (200, 3.3));

        var result = RunComparison.StepsToTarget(Baseline, codistill);

        Assert.Equal(3.5, result.Target);
        Assert.Equal(300, result.BaselineStepAtBest);
        Assert.Equal(150, result.CodistillStepAtTarget);
        Assert.Equal(2.0, result.StepRatio);
        Assert.Equal((400L, 3.6), (result.BaselineFinal.Step, result.BaselineFinal.MeanValLoss));
        Assert.Equal((200L, 3.3), (result.CodistillFinal.Step, result.CodistillFinal.MeanValLoss));
        var text = RunComparison.Format(result);
        Assert.Contains("b1 (baseline) = 3.5000 at step 300", text);
        Assert.Contains("c1 (codistill) reached it at step 150 (2.00x fewer steps)", text);
        Assert.Contains("b1 (baseline) 3.6000 at step 400, c1 (codistill) 3.3000 at step 200", text);
    }

    [Fact]
    public void StepsToTarget_CodistillNeverReaches_NullStepAndRatio()
    {
        var codistill = WithCurve("c2", RunMode.Codistill, (100, 4.0), (200, 3.6), (300, 3.55));

        var result = RunComparison.StepsToTarget(Baseline, codistill);

        Assert.Null(result.CodistillStepAtTarget);
        Assert.Null(result.StepRatio);
        Assert.Equal((300L, 3.55), (result.CodistillBest.Step, result.CodistillBest.MeanValLoss));
        Assert.Contains("c2 (codistill) did not reach it (best 3.5500 at step 300, last eval at step 300)", RunComparison.Format(result));
    }

    [Fact]
    public void StepsToTarget_ReachedAtFirstEval_ThatStep()
    {
        var codistill = WithCurve("c3", RunMode.Codistill, (50, 3.4), (100, 3.2));

        var result = RunComparison.StepsToTarget(Baseline, codistill);

        Assert.Equal(50, result.CodistillStepAtTarget);
        Assert.Equal(6.0, result.StepRatio);
    }

    [Fact]
    public void StepsToTarget_SeveralGroups_TargetIsTheBestOfTheMeanNotOfAGroup()
    {
        var baseline = Make(Info("b2", RunMode.Baseline),
            Eval(100, 0, 3.0), Eval(100, 1, 5.0), Eval(200, 0, 3.4), Eval(200, 1, 4.2));
        var codistill = WithCurve("c4", RunMode.Codistill, (100, 3.9), (200, 3.7));

        var result = RunComparison.StepsToTarget(baseline, codistill);

        Assert.Equal(3.8, result.Target, 12);
        Assert.Equal(200, result.BaselineStepAtBest);
        Assert.Equal(200, result.CodistillStepAtTarget);
    }

    [Fact]
    public void StepsToTarget_BaselineWithoutEvals_ErrorNamesTheRun()
    {
        var empty = Make(Info("empty-run", RunMode.Baseline), Train(1, 0, 5));
        var codistill = WithCurve("c5", RunMode.Codistill, (100, 3.0));

        var error = Assert.Throws<InvalidOperationException>(() => RunComparison.StepsToTarget(empty, codistill));

        Assert.Contains("empty-run", error.Message);
    }
}
