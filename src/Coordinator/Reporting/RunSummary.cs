using System.Globalization;
using System.Text;
using Spectre.Console;

namespace ActorCodistill.Coordinator.Reporting;

/// <summary>A point of the mean-over-groups validation curve.</summary>
/// <param name="GroupsReporting">How many groups had an eval at this step; the mean is over those only.</param>
public sealed record CurvePoint(long Step, double MeanValLoss, int GroupsReporting);

/// <summary>What one group of a run reached.</summary>
/// <param name="MeanExamplesPerSecond">Mean of the group's train records (the group's throughput, all its workers).</param>
/// <param name="FinalTeacherAges">teacher_age of the group's last train record.</param>
public sealed record GroupSummary(
    int Group,
    double? FinalValLoss,
    long? FinalValStep,
    double? BestValLoss,
    long? BestValStep,
    double? FinalTrainLoss,
    double MeanExamplesPerSecond,
    IReadOnlyList<long> FinalTeacherAges);

/// <summary>
/// What a run reached, from its records alone. Where a (group, step) pair repeats (a run resumed
/// from a checkpoint re-runs steps) the later record wins. NaN losses (divergence) never count as best.
/// </summary>
/// <param name="ExamplesPerSecond">Run throughput: the sum over groups of each group's mean examples/s.</param>
/// <param name="Counters">Totals from the summary record; empty when the run ended without one.</param>
public sealed record RunSummary(
    RunInfo Info,
    IReadOnlyList<GroupSummary> Groups,
    IReadOnlyList<CurvePoint> MeanValidationCurve,
    long Steps,
    double WallTimeSeconds,
    double ExamplesPerSecond,
    IReadOnlyDictionary<string, long> Counters,
    bool Completed,
    int MalformedLines)
{
    /// <summary>Lowest finite point of the mean validation curve, or null when there is none.</summary>
    public CurvePoint? BestMean =>
        MeanValidationCurve.Where(p => double.IsFinite(p.MeanValLoss))
            .OrderBy(p => p.MeanValLoss).ThenBy(p => p.Step).FirstOrDefault();

    public CurvePoint? FinalMean => MeanValidationCurve.Count == 0 ? null : MeanValidationCurve[^1];

    public static RunSummary From(RunRecords run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var evals = LastPerGroupAndStep(run.Eval, e => (e.Group, e.Step));
        var trains = LastPerGroupAndStep(run.Train, t => (t.Group, t.Step));

        var groupIds = evals.Select(e => e.Group).Concat(trains.Select(t => t.Group))
            .Where(g => g >= 0).Distinct().Order().ToList();
        var groups = groupIds.Select(g => SummariseGroup(
            g,
            evals.Where(e => e.Group == g).ToList(),
            trains.Where(t => t.Group == g).ToList())).ToList();

        var curve = MeanCurve(evals);

        var allRecords = run.Train.Cast<MetricRecord>().Concat(run.Eval).Concat(run.Events)
            .Concat(run.Summary is null ? [] : [run.Summary]).ToList();
        var steps = allRecords.Count == 0 ? 0 : allRecords.Max(r => r.Step);
        var wall = allRecords.Count == 0 ? 0 : allRecords.Max(r => r.TimeSeconds);

        return new RunSummary(
            run.Info,
            groups,
            curve,
            run.Summary?.Step ?? steps,
            run.Summary?.TimeSeconds ?? wall,
            groups.Sum(g => g.MeanExamplesPerSecond),
            run.Summary?.Counters ?? new Dictionary<string, long>(),
            run.Summary is not null,
            run.Malformed.Count);
    }

    /// <summary>Mean over the groups that reported at each eval step, in step order.</summary>
    public static IReadOnlyList<CurvePoint> MeanCurve(IEnumerable<EvalRecord> evals) =>
        LastPerGroupAndStep(evals, e => (e.Group, e.Step))
            .Where(e => e.Group >= 0)
            .GroupBy(e => e.Step)
            .OrderBy(g => g.Key)
            .Select(g => new CurvePoint(g.Key, g.Average(e => e.ValLoss), g.Count()))
            .ToList();

    public string ToText()
    {
        var text = new StringBuilder();
        text.AppendLine(Inv($"run {Info.Label}: task {Info.Task}, {Info.Groups} group(s) x {Info.WorkersPerGroup} worker(s), seed {Info.Seed}"));
        text.AppendLine(Inv($"steps {Steps}, wall {WallTimeSeconds:F1} s, {ExamplesPerSecond:F1} examples/s{(Completed ? "" : ", no summary record (run did not end cleanly)")}"));
        if (BestMean is { } best && FinalMean is { } final)
            text.AppendLine(Inv($"mean validation loss: best {best.MeanValLoss:F4} at step {best.Step}, final {final.MeanValLoss:F4} at step {final.Step}"));
        else
            text.AppendLine("mean validation loss: no eval records");
        foreach (var g in Groups)
        {
            text.AppendLine(Inv(
                $"  group {g.Group}: best val {Loss(g.BestValLoss)} at step {Step(g.BestValStep)}, final val {Loss(g.FinalValLoss)} at step {Step(g.FinalValStep)}, final train {Loss(g.FinalTrainLoss)}, {g.MeanExamplesPerSecond:F1} examples/s, teacher age {Ages(g.FinalTeacherAges)}"));
        }
        foreach (var (name, value) in Counters.OrderBy(c => c.Key, StringComparer.Ordinal))
            text.AppendLine(Inv($"  {name}: {value}"));
        if (MalformedLines > 0)
            text.AppendLine(Inv($"  {MalformedLines} malformed line(s) in {RunFiles.Metrics} were skipped"));
        return text.ToString();
    }

    /// <summary>A Spectre.Console table: one row per group, then the mean-over-groups row.</summary>
    public Table ToTable()
    {
        var table = new Table().Title(Markup.Escape(Info.Label));
        table.AddColumn("group");
        table.AddColumn(new TableColumn("best val").RightAligned());
        table.AddColumn(new TableColumn("at step").RightAligned());
        table.AddColumn(new TableColumn("final val").RightAligned());
        table.AddColumn(new TableColumn("at step").RightAligned());
        table.AddColumn(new TableColumn("final train").RightAligned());
        table.AddColumn(new TableColumn("examples/s").RightAligned());
        table.AddColumn("teacher age");
        foreach (var g in Groups)
        {
            table.AddRow(
                Inv($"{g.Group}"), Loss(g.BestValLoss), Step(g.BestValStep), Loss(g.FinalValLoss), Step(g.FinalValStep),
                Loss(g.FinalTrainLoss), Inv($"{g.MeanExamplesPerSecond:F1}"), Ages(g.FinalTeacherAges));
        }
        var best = BestMean;
        var final = FinalMean;
        table.AddRow(
            "mean", Loss(best?.MeanValLoss), Step(best?.Step), Loss(final?.MeanValLoss), Step(final?.Step),
            "", Inv($"{ExamplesPerSecond:F1}"), "");
        var caption = Inv($"steps {Steps}, wall {WallTimeSeconds:F1} s");
        foreach (var (name, value) in Counters.OrderBy(c => c.Key, StringComparer.Ordinal))
            caption += Inv($", {name} {value}");
        if (!Completed)
            caption += ", did not end cleanly";
        if (MalformedLines > 0)
            caption += Inv($", {MalformedLines} malformed line(s)");
        return table.Caption(Markup.Escape(caption));
    }

    private static GroupSummary SummariseGroup(int group, List<EvalRecord> evals, List<TrainRecord> trains)
    {
        var finalEval = evals.Count == 0 ? null : evals[^1];
        var bestEval = evals.Where(e => double.IsFinite(e.ValLoss))
            .OrderBy(e => e.ValLoss).ThenBy(e => e.Step).FirstOrDefault();
        var lastTrain = trains.Count == 0 ? null : trains[^1];
        return new GroupSummary(
            group,
            finalEval?.ValLoss,
            finalEval?.Step,
            bestEval?.ValLoss,
            bestEval?.Step,
            lastTrain?.TaskLoss,
            trains.Count == 0 ? 0 : trains.Average(t => t.ExamplesPerSecond),
            lastTrain?.TeacherAge ?? []);
    }

    /// <summary>Keeps the last record of each key, then orders by step (file order breaks no ties: keys are unique).</summary>
    private static List<T> LastPerGroupAndStep<T>(IEnumerable<T> records, Func<T, (int Group, long Step)> key)
    {
        var last = new Dictionary<(int, long), T>();
        foreach (var record in records)
            last[key(record)] = record;
        return last.OrderBy(kv => kv.Key.Item2).ThenBy(kv => kv.Key.Item1).Select(kv => kv.Value).ToList();
    }

    private static string Loss(double? value) => value is { } v ? v.ToString("F4", CultureInfo.InvariantCulture) : "-";

    private static string Step(long? value) => value is { } v ? v.ToString(CultureInfo.InvariantCulture) : "-";

    private static string Ages(IReadOnlyList<long> ages) =>
        ages.Count == 0 ? "-" : string.Join(",", ages.Select(a => a.ToString(CultureInfo.InvariantCulture)));

    private static string Inv(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
}
