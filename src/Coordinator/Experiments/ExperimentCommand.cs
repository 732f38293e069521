namespace ActorCodistill.Coordinator.Experiments;

/// <summary>
/// <c>experiment hocon/experiments/NAME.conf</c>: read and check the whole grid, run what is not finished, write the
/// report (docs/experiments.md).
/// </summary>
public static class ExperimentCommand
{
    /// <param name="overrides">Trainer keys for every run (<c>--set</c>), over the experiment's; <c>training.log-dir</c> moves the experiment's runs.</param>
    /// <param name="outDirectory">Report folder instead of the experiment's <c>report-dir</c>.</param>
    /// <returns>The report's path and every run's outcome.</returns>
    public static (string Report, IReadOnlyList<RunResult> Runs) Run(string configPath, IReadOnlyDictionary<string, string?> overrides,
        string? outDirectory, bool reportOnly, TextWriter console)
    {
        var spec = ExperimentConfig.Load(configPath);
        // --set training.log-dir=... moves the whole experiment's runs (the grid applies it to every run as well).
        if (overrides.TryGetValue("training.log-dir", out var logDir) && !string.IsNullOrWhiteSpace(logDir)) spec = spec with { LogDir = logDir };
        var plans = ExperimentGrid.Expand(spec, overrides);
        var jobs = ExperimentGrid.Validate(spec, plans);
        console.WriteLine($"experiment {spec.Name}: {plans.Count} run(s) ({string.Join(", ", spec.Variants.Select(v => v.Name))} x seeds) under {spec.LogDir}");
        var results = ExperimentRunner.Run(spec, plans, jobs.Select(j => j.Steps).ToList(), console, reportOnly);
        var command = "dotnet run --project src/Coordinator -c Release -- experiment " + configPath.Replace('\\', '/') +
                      string.Concat(overrides.Select(kv => $" --set {kv.Key}={kv.Value}"));
        var report = ExperimentReport.Write(spec, results, outDirectory ?? spec.ReportDir, command);
        var failed = results.Count(r => r.Outcome == RunOutcome.Failed);
        console.WriteLine($"experiment {spec.Name}: {results.Count(r => r.Outcome is RunOutcome.Ran or RunOutcome.Resumed)} run(s) trained, " +
                          $"{results.Count(r => r.Outcome == RunOutcome.Skipped)} skipped (finished earlier), {failed} failed; report: {report}");
        return (report, results);
    }
}
