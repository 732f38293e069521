using System.Globalization;
using System.Text;

namespace ActorCodistill.Coordinator.Reporting;

/// <summary>
/// The paper's headline measure (section 3.3): take the baseline's best validation loss as the
/// target and count the steps codistillation needs to reach it.
/// </summary>
/// <param name="Target">The baseline's best mean-over-groups validation loss.</param>
/// <param name="BaselineStepAtBest">The eval step at which the baseline reached <paramref name="Target"/>.</param>
/// <param name="CodistillStepAtTarget">First eval step where codistillation's mean curve is &lt;= the target; null when never.</param>
/// <param name="StepRatio">BaselineStepAtBest / CodistillStepAtTarget ("2x fewer steps" is 2.0); null when not reached or reached at step 0.</param>
public sealed record StepsToTargetResult(
    string BaselineLabel,
    string CodistillLabel,
    double Target,
    long BaselineStepAtBest,
    long? CodistillStepAtTarget,
    double? StepRatio,
    CurvePoint BaselineFinal,
    CurvePoint CodistillFinal,
    CurvePoint CodistillBest);

public static class RunComparison
{
    public static StepsToTargetResult StepsToTarget(RunRecords baselineRun, RunRecords codistillRun) =>
        StepsToTarget(RunSummary.From(baselineRun), RunSummary.From(codistillRun));

    /// <summary>
    /// Both runs are compared by their mean-over-groups validation curves. Modes are not enforced:
    /// comparing two codistillation settings (reload intervals, topologies) is as legitimate.
    /// </summary>
    /// <exception cref="InvalidOperationException">A run has no finite validation loss, naming the run.</exception>
    public static StepsToTargetResult StepsToTarget(RunSummary baseline, RunSummary codistill)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(codistill);
        var best = baseline.BestMean ?? throw NoEvals(baseline, "baseline");
        var codistillBest = codistill.BestMean ?? throw NoEvals(codistill, "codistill");

        var reached = codistill.MeanValidationCurve.FirstOrDefault(p => p.MeanValLoss <= best.MeanValLoss);
        long? step = reached?.Step;
        double? ratio = step is > 0 ? (double)best.Step / step.Value : null;

        return new StepsToTargetResult(
            baseline.Info.Label,
            codistill.Info.Label,
            best.MeanValLoss,
            best.Step,
            step,
            ratio,
            baseline.FinalMean!,
            codistill.FinalMean!,
            codistillBest);
    }

    public static string Format(StepsToTargetResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var text = new StringBuilder();
        text.AppendLine(Inv($"target: best mean validation loss of {result.BaselineLabel} = {result.Target:F4} at step {result.BaselineStepAtBest}"));
        if (result.CodistillStepAtTarget is { } step)
        {
            var ratio = result.StepRatio is { } r ? Inv($" ({r:F2}x fewer steps)") : "";
            text.AppendLine(Inv($"{result.CodistillLabel} reached it at step {step}{ratio}"));
        }
        else
        {
            text.AppendLine(Inv($"{result.CodistillLabel} did not reach it (best {result.CodistillBest.MeanValLoss:F4} at step {result.CodistillBest.Step}, last eval at step {result.CodistillFinal.Step})"));
        }
        text.AppendLine(Inv($"final mean validation loss: {result.BaselineLabel} {result.BaselineFinal.MeanValLoss:F4} at step {result.BaselineFinal.Step}, {result.CodistillLabel} {result.CodistillFinal.MeanValLoss:F4} at step {result.CodistillFinal.Step}"));
        return text.ToString();
    }

    private static InvalidOperationException NoEvals(RunSummary run, string role) =>
        new($"{role} run {run.Info.Label} has no finite validation loss in its eval records; nothing to compare");

    private static string Inv(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
}
