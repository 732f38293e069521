using ActorCodistill.Coordinator.Reporting;

namespace ActorCodistill.Coordinator.Dashboard;

/// <summary>
/// The run folders the page can open: those under one root (<c>training.log-dir</c>), named by folder name only, so a
/// request can read nothing but run folders there (no paths, no "..", no links out). Reads go through the reporting
/// code the CLI uses (<see cref="MetricsReader"/>, <see cref="RunSummary"/>, <see cref="RunComparison"/>, <see cref="Churn"/>).
/// </summary>
public sealed class PastRuns(string root)
{
    /// <summary>Train points per group beyond which a run's train curve is thinned (every k-th step) for the page.</summary>
    public const int MaxTrainPointsPerGroup = 4000;

    public string Root { get; } = Path.GetFullPath(root);

    public IReadOnlyList<RunListItem> List()
    {
        if (!Directory.Exists(Root)) return [];
        var runs = new List<RunListItem>();
        foreach (var folder in Directory.EnumerateDirectories(Root))
        {
            if (!File.Exists(Path.Combine(folder, RunFiles.RunJson))) continue;
            try
            {
                runs.Add(Item(Path.GetFileName(folder), MetricsReader.ReadRunInfo(folder)));
            }
            catch (InvalidDataException)
            {
                // A folder whose run.json does not read is not offered; opening it by name says why.
            }
        }
        return runs.OrderByDescending(r => r.StartedUtc).ThenBy(r => r.Name, StringComparer.Ordinal).ToList();
    }

    /// <exception cref="ArgumentException">Not a folder name, or no run folder of that name under the root.</exception>
    public string FolderOf(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name is "." or ".." || name.IndexOfAny(['/', '\\', '\0']) >= 0)
            throw new ArgumentException($"'{name}' is not a run folder name (a folder directly under {Root})");
        var folder = Path.Combine(Root, name);
        var info = new DirectoryInfo(folder);
        if (!info.Exists || info.LinkTarget is not null || !File.Exists(Path.Combine(folder, RunFiles.RunJson)))
            throw new ArgumentException($"{folder} is not a run folder (no {RunFiles.RunJson})");
        return folder;
    }

    public PastRun Read(string name) => View(name, MetricsReader.Read(FolderOf(name)));

    public RunPair Compare(string nameA, string nameB)
    {
        var a = MetricsReader.Read(FolderOf(nameA));
        var b = MetricsReader.Read(FolderOf(nameB));
        string? text = null, error = null;
        long? step = null;
        double? ratio = null;
        try
        {
            var result = RunComparison.StepsToTarget(a, b);
            text = RunComparison.Format(result);
            step = result.CodistillStepAtTarget;
            ratio = result.StepRatio;
        }
        catch (InvalidOperationException e)
        {
            error = e.Message;
        }
        var groups = Math.Min(a.Info.Groups, b.Info.Groups);
        var retrains = Enumerable.Range(0, groups).Select(g => RetrainChurn(a.Directory, b.Directory, g, nameA, nameB)).ToList();
        return new RunPair(View(nameA, a), View(nameB, b), text, error, step, ratio, retrains, GroupChurn(a.Directory), GroupChurn(b.Directory));
    }

    private static ChurnView RetrainChurn(string a, string b, int group, string nameA, string nameB)
    {
        try
        {
            var churn = Churn.BetweenRetrains(a, b, group);
            return new ChurnView(group, Churn.Format(churn, $"group {group}, {nameA} vs {nameB}"), churn.DisagreementRate, churn.MeanAbsoluteDifference, null);
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            return new ChurnView(group, null, null, null, e.Message);
        }
    }

    private static string GroupChurn(string folder)
    {
        try
        {
            return Churn.Format(Churn.BetweenGroups(folder));
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            return e.Message;
        }
    }

    private static RunListItem Item(string name, RunInfo info) =>
        new(name, info.Label, ReportingJson.ModeName(info.Mode), info.Task, info.Groups, info.WorkersPerGroup, info.StartedUtc);

    private static PastRun View(string name, RunRecords records)
    {
        var summary = RunSummary.From(records);
        var perGroup = records.Train.GroupBy(t => t.Group).Select(g => g.Count()).DefaultIfEmpty(0).Max();
        var stride = Math.Max(1, (perGroup + MaxTrainPointsPerGroup - 1) / MaxTrainPointsPerGroup);
        var train = records.Train
            .Where(t => t.Step % stride == 0 || stride == 1)
            .Select(t => new PastTrainPoint(t.Group, t.Step, t.TaskLoss, t.DistillLoss, t.DistillOn, t.ExamplesPerSecond, t.TeacherAge))
            .ToList();
        return new PastRun(
            Item(name, records.Info),
            train,
            records.Eval.Select(e => new PastEvalPoint(e.Group, e.Step, e.ValLoss)).ToList(),
            summary.MeanValidationCurve.Select(p => new PastMeanPoint(p.Step, p.MeanValLoss, p.GroupsReporting)).ToList(),
            records.Events.Select(e => new LiveEvent(e.Group, e.Step, e.TimeSeconds, records.Info.StartedUtc.AddSeconds(e.TimeSeconds),
                EventCategories.Of(e.Message), e.Message)).ToList(),
            summary.ToText(),
            summary.Completed,
            summary.MalformedLines,
            stride);
    }
}
