using System.Globalization;
using System.Xml.Linq;
using ActorCodistill.Coordinator.Embedded;
using ActorCodistill.Coordinator.Experiments;
using ActorCodistill.Coordinator.Reporting;

namespace ActorCodistill.Coordinator.Tests.Experiments;

/// <summary>The tiny variants end to end: their runs, report and plots, a second invocation, and a resumed run.</summary>
[Trait("Category", "Integration")]
public sealed class ExperimentPipelineTests
{
    public static TheoryData<string> TinyExperiments() => new(ExperimentFiles.Tiny.Select(f => Path.GetFileNameWithoutExtension(f)));

    [Theory]
    [MemberData(nameof(TinyExperiments))]
    public void ATinyExperiment_RunsItsGrid_AndWritesATableAndPlotsFromTheRunsMetrics(string name)
    {
        var scratch = ExperimentFiles.Scratch(name);
        try
        {
            var config = ExperimentFiles.TinyConfig(name);
            var spec = ExperimentConfig.Load(config);
            var (report, runs) = ExperimentCommand.Run(config, ExperimentFiles.Overrides(config, scratch), Path.Combine(scratch, "report"), false, TextWriter.Null);

            Assert.Equal(ExperimentGrid.Expand(spec).Select(p => p.RunName), runs.Select(r => r.Plan.RunName));
            Assert.All(runs, r => Assert.True(r.Outcome == RunOutcome.Ran, $"{r.Plan.RunName}: {r.Outcome} {r.Error}"));
            var markdown = File.ReadAllText(report);
            foreach (var variant in spec.Variants)
            {
                var summaries = runs.Where(r => r.Plan.Variant.Name == variant.Name).Select(r => RunSummary.From(MetricsReader.Read(r.Directory))).ToList();
                Assert.All(summaries, s => Assert.True(s.Completed));
                // The figures row: the mean over seeds of the best mean validation loss, as the runs' metrics give it.
                var best = summaries.Average(s => s.BestMean!.MeanValLoss).ToString("F4", CultureInfo.InvariantCulture);
                Assert.Contains($"| {variant.Label} | {summaries.Count} | {best}", markdown);
                // Validation accuracy: in every eval record, between 0 and 1, and its final mean over seeds in the row.
                var records = runs.Where(r => r.Plan.Variant.Name == variant.Name).Select(r => MetricsReader.Read(r.Directory)).ToList();
                Assert.All(records.SelectMany(r => r.Eval), e => Assert.True(e.ValAccuracy is >= 0 and <= 1, $"step {e.Step}: accuracy {e.ValAccuracy}"));
                var final = records.Average(r => ExperimentFigures.AccuracyCurve(r)[^1].Accuracy) * 100;
                Assert.Contains($"| {final.ToString("F1", CultureInfo.InvariantCulture)}", markdown);
            }
            Assert.Contains("| best mean val accuracy | final mean val accuracy |", markdown);
            foreach (var plot in new[] { ReportFiles.ByStep, ReportFiles.ByExamples, ReportFiles.ByWallTime })
            {
                var svg = XDocument.Load(Path.Combine(scratch, "report", plot));
                var means = svg.Descendants().Where(e => e.Name.LocalName == "polyline" && (string?)e.Attribute("class") == "mean").ToList();
                Assert.Equal(spec.Variants.Select(v => v.Name), means.Select(m => (string?)m.Attribute("data-variant")));
                Assert.All(means, m => Assert.True(m.Attribute("points")!.Value.Split(' ').Length >= 2));
            }
            Assert.NotNull(XDocument.Load(Path.Combine(scratch, "report", ReportFiles.FinalLoss)));
            if (spec.Churn) Assert.Contains("## Prediction churn", markdown);
            foreach (var variant in spec.Variants.Where(v => v.TeacherFrom is not null))
            {
                // Two-phase distillation: the student distilled (from step 1) from the teacher run's newest checkpoint, and
                // its steps to the target count the teacher's.
                Assert.Contains($"Two-phase distillation, **{variant.Label}**: its steps are **total** steps", markdown);
                foreach (var run in runs.Where(r => r.Plan.Variant.Name == variant.Name))
                {
                    var records = MetricsReader.Read(run.Directory);
                    Assert.True(ExperimentFigures.TeacherSteps(records) > 0, $"{run.Plan.RunName}: no teacher checkpoint in its configuration");
                    Assert.All(records.Train, t => Assert.True(t.DistillOn && t.DistillLoss > 0, $"{run.Plan.RunName} step {t.Step}: no distillation"));
                }
            }
            foreach (var ensemble in spec.Ensembles) Assert.Contains(": ensemble of its", markdown);
        }
        finally
        {
            try { Directory.Delete(scratch, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public void ASecondInvocation_SkipsFinishedRuns_AndResumesAnInterruptedOne()
    {
        var scratch = ExperimentFiles.Scratch("resume");
        try
        {
            var config = ExperimentFiles.TinyConfig("lm-kjv-steps");
            var overrides = ExperimentFiles.Overrides(config, scratch);
            overrides["training.failures.max-worker-failures"] = "1";
            // A group that stops leaves the other waiting for its teacher copies (reload-mode exact) at most this long.
            overrides["training.failures.step-timeout"] = "3s";
            var spec = ExperimentConfig.Load(config) with { LogDir = overrides["training.log-dir"]! };
            var plans = ExperimentGrid.Expand(spec, overrides);
            var steps = ExperimentGrid.Validate(spec, plans).Select(j => j.Steps).ToList();

            // First pass: the last run's only worker of group 0 throws from step 10 on, in every replacement: it fails.
            var failing = plans[^1].RunName;
            var first = ExperimentRunner.Run(spec, plans, steps, TextWriter.Null, run: (options, console) =>
                TrainCommand.Run(options.RunName == failing ? options with { Fault = new FaultInjection(0, 0, 10, fromStepOn: true) } : options, console));
            Assert.Equal(RunOutcome.Failed, first[^1].Outcome);
            Assert.Contains("resume", first[^1].Error);
            Assert.All(first.SkipLast(1), r => Assert.Equal(RunOutcome.Ran, r.Outcome));
            Assert.Equal(RunState.Interrupted, RunFolderState.Of(first[^1].Directory, steps[^1]));
            var finishedMetrics = File.ReadAllText(Path.Combine(first[0].Directory, RunFiles.Metrics));

            // Second pass: finished runs are not trained again; the failed one resumes from its folder and finishes.
            var started = new List<string>();
            var second = ExperimentRunner.Run(spec, plans, steps, TextWriter.Null, run: (options, console) =>
            {
                started.Add(options.RunName!);
                TrainCommand.Run(options, console);
            });
            Assert.Equal([failing], started);
            Assert.All(second.SkipLast(1), r => Assert.Equal(RunOutcome.Skipped, r.Outcome));
            Assert.Equal(RunOutcome.Resumed, second[^1].Outcome);
            Assert.Equal(RunState.Finished, RunFolderState.Of(second[^1].Directory, steps[^1]));
            Assert.Equal(finishedMetrics, File.ReadAllText(Path.Combine(first[0].Directory, RunFiles.Metrics)));
            var resumed = MetricsReader.Read(second[^1].Directory);
            Assert.Equal(steps[^1], resumed.Summary!.Step);
            Assert.Contains(resumed.Eval, e => e.Step == steps[^1]);

            // The report reads every run, the resumed one included.
            var markdown = ExperimentReport.Markdown(spec, second, ExperimentFigures.Compute(spec, second), [], "test");
            Assert.Contains($"| {failing} | codistill | 2 | resumed | {steps[^1]} |", markdown);
        }
        finally
        {
            try { Directory.Delete(scratch, recursive: true); } catch (IOException) { }
        }
    }
}
