using System.Globalization;
using ActorCodistill.Coordinator.Reporting;

namespace ActorCodistill.Coordinator.Experiments;

/// <summary>A point of a run's mean-over-groups validation curve on the three axes the report plots.</summary>
/// <param name="Examples">Examples each model (group) has trained on by this step: step x batch-size x workers-per-group.</param>
/// <param name="WallSeconds">The run's clock at this evaluation (mean over the groups' eval records).</param>
public sealed record CurveSample(long Step, double Examples, double WallSeconds, double MeanValLoss);

/// <summary>What one finished run of the grid reached, from its metrics alone.</summary>
/// <param name="StepsToTarget">First eval step whose mean validation loss is at most the reference run's (same seed) best; null when never, or no reference.</param>
/// <param name="StepRatio">The reference's step at its best / <paramref name="StepsToTarget"/> (2.0 = "2x fewer steps").</param>
/// <param name="BytesBetweenGroupsPerStep">float16 teacher copies sent between groups, per step (summary counter checkpoint_bytes).</param>
public sealed record RunFigures(
    RunPlan Plan,
    RunRecords Records,
    RunSummary Summary,
    IReadOnlyList<CurveSample> Curve,
    long? StepsToTarget,
    double? StepRatio,
    double? WallSecondsToTarget,
    double BytesBetweenGroupsPerStep,
    double BytesInsideGroupsPerStep);

/// <summary>A variant's figures over its seeds.</summary>
/// <param name="Reached">Seeds whose run reached the reference's best (of <see cref="Compared"/> that had a reference run).</param>
public sealed record VariantFigures(
    VariantSpec Variant,
    IReadOnlyList<RunFigures> Runs,
    Spread? BestValLoss,
    Spread? FinalValLoss,
    Spread? StepsToTarget,
    Spread? StepRatio,
    Spread? WallSecondsToTarget,
    Spread? WallSeconds,
    Spread? BytesBetweenGroupsPerStep,
    int Reached,
    int Compared,
    Spread? FinalValAccuracy = null,
    Spread? BestValAccuracy = null);

/// <summary>The report's numbers, computed from the finished runs' metrics.jsonl and run.json (never from the trainer's console).</summary>
public static class ExperimentFigures
{
    public static IReadOnlyList<VariantFigures> Compute(ExperimentSpec spec, IReadOnlyList<RunResult> results)
    {
        var finished = results.Where(r => r.Outcome is RunOutcome.Ran or RunOutcome.Resumed or RunOutcome.Skipped && File.Exists(Path.Combine(r.Directory, RunFiles.RunJson)))
            .Select(r => (r.Plan, Records: MetricsReader.Read(r.Directory)))
            .Where(r => r.Records.Summary is not null)
            .ToList();
        var summaries = finished.ToDictionary(r => r.Plan.RunName, r => RunSummary.From(r.Records));
        RunSummary? ReferenceOf(long seed) => spec.Reference is { } name && summaries.TryGetValue(ExperimentGrid.RunName(name, seed), out var s) ? s : null;

        var figures = new List<VariantFigures>();
        foreach (var variant in spec.Variants)
        {
            var runs = new List<RunFigures>();
            var compared = 0;
            foreach (var (plan, records) in finished.Where(f => f.Plan.Variant.Name == variant.Name))
            {
                var summary = summaries[plan.RunName];
                var curve = Curve(records);
                long? steps = null;
                double? ratio = null, wall = null;
                if (ReferenceOf(plan.Seed) is { BestMean: not null } reference && summary.BestMean is not null)
                {
                    compared++;
                    var comparison = RunComparison.StepsToTarget(reference, summary);
                    steps = comparison.CodistillStepAtTarget;
                    wall = curve.FirstOrDefault(c => c.Step == steps)?.WallSeconds;
                    // Two-phase distillation: the teacher's training counts too (paper section 3.3 compares total steps).
                    var teacherSteps = TeacherSteps(records);
                    if (steps is { } own && teacherSteps > 0) steps = own + teacherSteps;
                    ratio = teacherSteps > 0 ? (steps is { } total && total > 0 ? (double)reference.BestMean.Step / total : null) : comparison.StepRatio;
                }
                var lastStep = Math.Max(1, summary.Steps);
                runs.Add(new RunFigures(plan, records, summary, curve, steps, ratio, wall,
                    summary.Counters.GetValueOrDefault("checkpoint_bytes") / (double)lastStep,
                    summary.Counters.GetValueOrDefault("allreduce_bytes") / (double)lastStep));
            }
            figures.Add(new VariantFigures(variant, runs,
                Spread.Of(runs.Select(r => r.Summary.BestMean?.MeanValLoss ?? double.NaN)),
                Spread.Of(runs.Select(r => r.Summary.FinalMean?.MeanValLoss ?? double.NaN)),
                Spread.Of(runs.Where(r => r.StepsToTarget is not null).Select(r => (double)r.StepsToTarget!.Value)),
                Spread.Of(runs.Where(r => r.StepRatio is not null).Select(r => r.StepRatio!.Value)),
                Spread.Of(runs.Where(r => r.WallSecondsToTarget is not null).Select(r => r.WallSecondsToTarget!.Value)),
                Spread.Of(runs.Select(r => r.Summary.WallTimeSeconds)),
                Spread.Of(runs.Select(r => r.BytesBetweenGroupsPerStep)),
                runs.Count(r => r.StepsToTarget is not null), compared,
                Spread.Of(runs.Select(r => AccuracyCurve(r.Records) is { Count: > 0 } c ? c[^1].Accuracy : double.NaN)),
                Spread.Of(runs.Select(r => AccuracyCurve(r.Records).Select(p => p.Accuracy).DefaultIfEmpty(double.NaN).Max()))));
        }
        return figures;
    }

    /// <summary>The step of the trained teacher a two-phase run distilled from (0 for any other run), from its configuration.</summary>
    public static long TeacherSteps(RunRecords records) =>
        records.Info.Config.TryGetValue(ActorCodistill.Workers.Training.FixedTeacher.Key, out var file) && file.Length > 0
            ? ActorCodistill.Workers.Training.FixedTeacher.StepOf(file) ?? 0 : 0;

    /// <summary>The run's validation accuracy, mean over the groups at each evaluation (runs before 2026-12-07 have none).</summary>
    public static IReadOnlyList<(long Step, double Accuracy)> AccuracyCurve(RunRecords records) =>
        records.Eval.Where(e => e.Group >= 0 && e.ValAccuracy is { } a && double.IsFinite(a))
            .GroupBy(e => e.Step).OrderBy(g => g.Key)
            .Select(g => (g.Key, g.Average(e => e.ValAccuracy!.Value)))
            .ToList();

    /// <summary>The run's mean validation curve with examples per model and wall time beside each step.</summary>
    public static IReadOnlyList<CurveSample> Curve(RunRecords records)
    {
        var batch = records.Info.Config.TryGetValue("training.batch-size", out var text) &&
                    long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var b) ? b : 0;
        var perStep = batch * Math.Max(1, records.Info.WorkersPerGroup);
        var times = records.Eval.Where(e => e.Group >= 0).GroupBy(e => e.Step).ToDictionary(g => g.Key, g => g.Average(e => e.TimeSeconds));
        return RunSummary.MeanCurve(records.Eval)
            .Where(p => double.IsFinite(p.MeanValLoss))
            .Select(p => new CurveSample(p.Step, (double)p.Step * perStep, times.GetValueOrDefault(p.Step), p.MeanValLoss))
            .ToList();
    }
}
