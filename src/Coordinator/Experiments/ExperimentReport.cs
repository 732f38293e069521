using System.Globalization;
using System.Text;
using ActorCodistill.Coordinator.Reporting;

namespace ActorCodistill.Coordinator.Experiments;

/// <summary>The files an experiment's report folder holds; the one place they are spelled.</summary>
public static class ReportFiles
{
    public const string Report = "README.md";
    public const string ByStep = "val-loss-by-step.svg";
    public const string ByExamples = "val-loss-by-examples.svg";
    public const string ByWallTime = "val-loss-by-wall-time.svg";
    public const string StepsToTarget = "steps-to-target.svg";
    public const string FinalLoss = "final-val-loss.svg";
}

/// <summary>
/// Writes an experiment's report folder: README.md (what was run, the runs, the figures over seeds, churn, plots) and
/// the SVG plots it shows. Every number comes from the runs' metrics.jsonl, run.json and prediction files.
/// </summary>
public static class ExperimentReport
{
    public static string Write(ExperimentSpec spec, IReadOnlyList<RunResult> results, string outDirectory, string command)
    {
        var figures = ExperimentFigures.Compute(spec, results);
        var churn = spec.Churn ? ExperimentChurn.Compute(spec, figures) : [];
        Directory.CreateDirectory(outDirectory);
        var plotted = figures.Where(f => f.Runs.Count > 0).ToList();
        Save(outDirectory, ReportFiles.ByStep, BandPlot.Render($"{spec.Name}: validation loss by step", plotted, CurveAxis.Steps));
        Save(outDirectory, ReportFiles.ByExamples, BandPlot.Render($"{spec.Name}: validation loss by examples", plotted, CurveAxis.Examples));
        Save(outDirectory, ReportFiles.ByWallTime, BandPlot.Render($"{spec.Name}: validation loss by wall time", plotted, CurveAxis.WallTime));
        Save(outDirectory, ReportFiles.FinalLoss, BarChart.Render($"{spec.Name}: final mean validation loss", "validation loss",
            plotted.Where(f => f.FinalValLoss is not null).Select(f => new Bar(f.Variant.Name, f.FinalValLoss!)).ToList()));
        var withTarget = plotted.Where(f => f.StepsToTarget is not null).ToList();
        if (spec.Reference is not null)
            Save(outDirectory, ReportFiles.StepsToTarget, BarChart.Render($"{spec.Name}: steps to {spec.Reference}'s best validation loss", "steps",
                withTarget.Select(f => new Bar(f.Variant.Name, f.StepsToTarget!)).ToList()));

        var path = Path.Combine(outDirectory, ReportFiles.Report);
        File.WriteAllText(path, Markdown(spec, results, figures, churn, command), new UTF8Encoding(false));
        return path;
    }

    public static string Markdown(ExperimentSpec spec, IReadOnlyList<RunResult> results, IReadOnlyList<VariantFigures> figures,
        IReadOnlyList<ChurnFigures> churn, string command)
    {
        var md = new StringBuilder();
        md.AppendLine($"# Experiment {spec.Name}");
        md.AppendLine();
        if (spec.Description.Length > 0) md.AppendLine(spec.Description).AppendLine();
        md.AppendLine($"Reproduce: `{command}` (runs under `{spec.LogDir}`; finished runs are skipped, interrupted ones resumed).");
        md.AppendLine();
        var first = figures.SelectMany(f => f.Runs).FirstOrDefault();
        if (first is not null)
        {
            var info = first.Records.Info;
            var threads = string.Join(", ", info.Threads.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key} {t.Value}"));
            md.AppendLine(Inv($"Task {info.Task}, {info.Groups} group(s) x {info.WorkersPerGroup} worker(s) (of the first run); threads: {threads}; report written {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC from the runs' metrics."));
            md.AppendLine();
        }

        md.AppendLine("## Figures (mean ± sample standard deviation over seeds; [lowest, highest])");
        md.AppendLine();
        var target = spec.Reference is null ? "" : $" | steps to {spec.Reference}'s best | {spec.Reference}'s steps / these | wall time to it (s)";
        // Validation accuracy (top-1; per token for the LM) is in eval records since 2026-12-07: a column when any run has it.
        var accuracy = figures.Any(f => f.FinalValAccuracy is not null);
        md.AppendLine($"| variant | seeds | best mean val loss | final mean val loss{(accuracy ? " | best mean val accuracy | final mean val accuracy" : "")}{target} | wall time (s) | bytes between groups / step |");
        md.AppendLine($"|---|---|---|---|{(accuracy ? "---|---|" : "")}{(spec.Reference is null ? "" : "---|---|---|")}---|---|");
        foreach (var f in figures)
        {
            var reached = spec.Reference is null ? ""
                : $" | {Range(f.StepsToTarget, "F0")} ({f.Reached} of {f.Compared} reached it) | {Range(f.StepRatio, "F2")} | {Range(f.WallSecondsToTarget, "F1")}";
            var acc = accuracy ? $" | {Percent(f.BestValAccuracy)} | {Percent(f.FinalValAccuracy)}" : "";
            md.AppendLine(Inv($"| {f.Variant.Label} | {f.Runs.Count} | {Range(f.BestValLoss, "F4")} | {Range(f.FinalValLoss, "F4")}{acc}{reached} | {Range(f.WallSeconds, "F1")} | {Range(f.BytesBetweenGroupsPerStep, "N0")} |"));
        }
        md.AppendLine();
        if (spec.Reference is not null)
        {
            md.AppendLine($"Steps to {spec.Reference}'s best: for each seed, the first evaluation at which the variant's mean validation loss over " +
                          $"its groups is at most the best one {spec.Reference}'s run of the same seed reached; a seed that never reaches it counts " +
                          "in \"reached\" only. The ratio is the reference's step at its best over that step (2.00 = half the steps). " +
                          "Evaluations are `training.eval-interval` steps apart, so steps move in those units.");
            md.AppendLine();
            foreach (var f in figures.Where(f => f.Variant.TeacherFrom is not null))
            {
                var teacherSteps = f.Runs.Select(r => ExperimentFigures.TeacherSteps(r.Records)).Distinct().ToList();
                var counted = string.Join(" / ", teacherSteps);
                md.AppendLine($"Two-phase distillation, **{f.Variant.Label}**: its steps are **total** steps, the teacher's training " +
                              $"({counted} steps: the newest recovery checkpoint of group 0 of the {f.Variant.TeacherFrom} run of the same seed, " +
                              "from which the student distilled) plus the student's own, as the paper counts them (section 3.3).");
                md.AppendLine();
            }
        }

        if (churn.Count > 0)
        {
            md.AppendLine("## Prediction churn (paper Table 1)");
            md.AppendLine();
            md.AppendLine("| model | retrain: disagreement | retrain: mean abs. diff. | between groups: disagreement | between groups: mean abs. diff. | loss on the prediction set |");
            md.AppendLine("|---|---|---|---|---|---|");
            foreach (var c in churn)
                md.AppendLine($"| {c.Label} | {Percent(c.RetrainDisagreement)} | {Range(c.RetrainDifference, "F4")} | {Percent(c.GroupDisagreement)} | {Range(c.GroupDifference, "F4")} | {Range(c.PredictionSetLoss, "F4")} |");
            md.AppendLine();
            md.AppendLine("Retrain: the same group's final model in two seeds' runs, every pair of seeds (only where the validation set does not " +
                          "depend on the seed: the language model). Between groups: the groups of one run (other initialisation, other shard). " +
                          "Disagreement: top-1 class (binary: p >= 0.5); mean abs. diff.: of p(true label) (binary: of p). An ensemble's " +
                          "probability is the mean of its groups'; its top-1 id is not in the prediction files, so a classifier ensemble has no " +
                          "disagreement figure. Loss on the prediction set: mean -log p(true label) over the predictions' examples (classification).");
            md.AppendLine();
        }

        md.AppendLine("## Plots");
        md.AppendLine();
        md.AppendLine($"![validation loss by step]({ReportFiles.ByStep})");
        md.AppendLine($"![validation loss by examples]({ReportFiles.ByExamples})");
        md.AppendLine($"![validation loss by wall time]({ReportFiles.ByWallTime})");
        md.AppendLine($"![final validation loss]({ReportFiles.FinalLoss})");
        if (spec.Reference is not null) md.AppendLine($"![steps to the reference's best]({ReportFiles.StepsToTarget})");
        md.AppendLine();

        md.AppendLine("## Runs");
        md.AppendLine();
        md.AppendLine("| run | variant | seed | this time | steps | wall time (s) | best mean val loss (step) | final mean val loss |");
        md.AppendLine("|---|---|---|---|---|---|---|---|");
        var byName = figures.SelectMany(f => f.Runs).ToDictionary(r => r.Plan.RunName);
        foreach (var r in results)
        {
            var s = byName.TryGetValue(r.Plan.RunName, out var run) ? run.Summary : null;
            var best = s?.BestMean is { } b ? Inv($"{b.MeanValLoss:F4} ({b.Step})") : "-";
            var outcome = r.Outcome.ToString().ToLowerInvariant() + (r.Error is null ? "" : $": {r.Error.ReplaceLineEndings(" ").Replace("|", "/", StringComparison.Ordinal)}");
            md.AppendLine(Inv($"| {r.Plan.RunName} | {r.Plan.Variant.Name} | {r.Plan.Seed} | {outcome} | {s?.Steps.ToString(CultureInfo.InvariantCulture) ?? "-"} | {(s is null ? "-" : s.WallTimeSeconds.ToString("F1", CultureInfo.InvariantCulture))} | {best} | {(s?.FinalMean is { } fm ? fm.MeanValLoss.ToString("F4", CultureInfo.InvariantCulture) : "-")} |"));
        }
        md.AppendLine();
        md.AppendLine("Variants (trainer keys over the experiment's `set`):");
        md.AppendLine();
        foreach (var v in spec.Variants)
            md.AppendLine($"- **{v.Name}**{(v.Baseline ? " (baseline: no distillation)" : "")}: " +
                          (v.Settings.Count == 0 ? "no keys of its own" : string.Join(", ", v.Settings.Select(s => $"`{s.Key} = {s.Value}`"))));
        if (spec.Settings.Count > 0)
            md.AppendLine($"- every run: {string.Join(", ", spec.Settings.Select(s => $"`{s.Key} = {s.Value}`"))}");
        return md.ToString();
    }

    private static void Save(string folder, string name, string svg) => File.WriteAllText(Path.Combine(folder, name), svg, new UTF8Encoding(false));

    private static string Range(Spread? s, string format) => s is null ? "-"
        : s.Count == 1 ? s.Mean.ToString(format, CultureInfo.InvariantCulture)
        : $"{s.Mean.ToString(format, CultureInfo.InvariantCulture)} ± {s.StandardDeviation.ToString(format, CultureInfo.InvariantCulture)} " +
          $"[{s.Min.ToString(format, CultureInfo.InvariantCulture)}, {s.Max.ToString(format, CultureInfo.InvariantCulture)}]";

    private static string Percent(Spread? s) => s is null ? "-"
        : Range(new Spread(100 * s.Mean, 100 * s.StandardDeviation, 100 * s.Min, 100 * s.Max, s.Count), "F1") + "%";

    private static string Inv(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
}
