using ActorCodistill.Coordinator.Reporting;

namespace ActorCodistill.Coordinator.Tests.Reporting;

/// <summary>A fresh directory under the temp folder, removed when the test ends.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "codistill-reporting-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string Sub(string name)
    {
        var path = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(path);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder must not fail the test that produced it.
        }
    }
}

/// <summary>Hand-made runs for summary, comparison and plot tests, built in memory.</summary>
internal static class Runs
{
    public static RunInfo Info(string runId = "r1", RunMode mode = RunMode.Baseline, int groups = 2) =>
        new(runId, mode, "lstm-lm", groups, 2, 7,
            new Dictionary<string, string> { ["training.reload-interval"] = "50" },
            new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero),
            new Dictionary<string, string> { ["torch_intra_op"] = "1" });

    public static TrainRecord Train(long step, int group, double loss, double examplesPerSecond = 100, long[]? ages = null, double time = 0) =>
        new(step, group, loss, loss, 0, ages is { Length: > 0 }, examplesPerSecond, ages ?? [], time);

    public static EvalRecord Eval(long step, int group, double valLoss, double time = 0) => new(step, group, valLoss, time);

    /// <summary>A run whose groups all report the same validation curve at the given steps.</summary>
    public static RunRecords WithCurve(string runId, RunMode mode, params (long Step, double Loss)[] curve) =>
        Make(Info(runId, mode, groups: 1), curve.Select(p => (MetricRecord)Eval(p.Step, 0, p.Loss)).ToArray());

    public static RunRecords Make(RunInfo info, params MetricRecord[] records) =>
        MetricsReader.Assemble("/nonexistent/" + info.RunId, info, new MetricsContent(records, []));
}
