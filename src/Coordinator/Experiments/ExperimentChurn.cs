using ActorCodistill.Coordinator.Reporting;

namespace ActorCodistill.Coordinator.Experiments;

/// <summary>
/// Prediction churn of one row of the report (paper Table 1): a variant's single models, or a baseline variant's
/// groups averaged as an ensemble. Retrain churn compares the same model (group) of two seeds' runs, over every pair of
/// seeds; group churn compares the groups of one run (two models that differ in initialisation and shard).
/// </summary>
/// <param name="RetrainDisagreement">Top-1 (or p&gt;=0.5) disagreement between retrains; null where it cannot be computed (an ensemble of classifiers: the prediction files hold each model's top-1 id, not its distribution).</param>
/// <param name="PredictionSetLoss">Mean -log p(true label) over the prediction files' examples (classification only: binary files hold no labels).</param>
public sealed record ChurnFigures(
    string Label,
    bool Ensemble,
    Spread? RetrainDisagreement,
    Spread? RetrainDifference,
    Spread? GroupDisagreement,
    Spread? GroupDifference,
    Spread? PredictionSetLoss);

public static class ExperimentChurn
{
    /// <summary>
    /// Whether two seeds' runs of <paramref name="task"/> predict on the same validation examples. The LM's validation
    /// set is the tail of every document whatever the seed; fashion-cnn and ctr draw theirs with the seed
    /// (Sharding.SplitValidation), so their retrains would be compared on different examples of the same count.
    /// </summary>
    public static bool RetrainsShareValidation(string task) => task == "lstm-lm";

    public static IReadOnlyList<ChurnFigures> Compute(ExperimentSpec spec, IReadOnlyList<VariantFigures> variants)
    {
        var rows = new List<ChurnFigures>();
        foreach (var v in variants.Where(v => v.Runs.Count > 0))
        {
            var runs = v.Runs.Select(r => (r.Plan.Seed, Groups: Predictions(r.Records.Directory))).Where(r => r.Groups.Count > 0).ToList();
            if (runs.Count == 0) continue;
            var retrainValid = RetrainsShareValidation(v.Runs[0].Records.Info.Task);

            var retrain = new List<ChurnResult>();
            if (retrainValid)
                foreach (var (a, b) in Pairs(runs))
                    foreach (var group in a.Groups.Keys.Intersect(b.Groups.Keys))
                        retrain.Add(Churn.Between(a.Groups[group], b.Groups[group]));
            var groups = runs.SelectMany(r => Pairs(r.Groups.OrderBy(g => g.Key).Select(g => g.Value).ToList()).Select(p => Churn.Between(p.Item1, p.Item2))).ToList();
            rows.Add(new ChurnFigures(v.Variant.Label, false,
                Spread.Of(retrain.Select(c => c.DisagreementRate)), Spread.Of(retrain.Select(c => c.MeanAbsoluteDifference)),
                Spread.Of(groups.Select(c => c.DisagreementRate)), Spread.Of(groups.Select(c => c.MeanAbsoluteDifference)),
                Spread.Of(runs.SelectMany(r => r.Groups.Values).Select(SetLoss))));

            if (!spec.Ensembles.Contains(v.Variant.Name)) continue;
            var ensembles = runs.Where(r => r.Groups.Count >= 2).Select(r => Average(r.Groups.Values.ToList())).ToList();
            var ensembleRetrain = retrainValid ? Pairs(ensembles).Select(p => Churn.Between(p.Item1, p.Item2)).ToList() : [];
            var binary = ensembles.Count > 0 && ensembles[0].Kind == PredictionKind.Binary;
            rows.Add(new ChurnFigures($"{v.Variant.Label}: ensemble of its {runs.Max(r => r.Groups.Count)} groups", true,
                binary ? Spread.Of(ensembleRetrain.Select(c => c.DisagreementRate)) : null,
                Spread.Of(ensembleRetrain.Select(c => c.MeanAbsoluteDifference)), null, null,
                Spread.Of(ensembles.Select(SetLoss))));
        }
        return rows;
    }

    /// <summary>The groups' final predictions in a run folder (predictions-g*.bin), by group.</summary>
    private static Dictionary<int, PredictionSet> Predictions(string runDirectory) =>
        Directory.EnumerateFiles(runDirectory, RunFiles.PredictionsPattern)
            .Select(path => (Group: RunFiles.GroupOfPredictionsFile(path), Path: path))
            .Where(f => f.Group is not null)
            .ToDictionary(f => f.Group!.Value, f => PredictionFile.Read(f.Path));

    /// <summary>
    /// An ensemble's predictions: the mean of its members' probabilities (of the true label, or of the positive class),
    /// which is exactly the ensemble's probability of it. Top-1 ids cannot be averaged, so an ensemble of classifiers
    /// keeps the first member's (and its top-1 churn is not reported).
    /// </summary>
    public static PredictionSet Average(IReadOnlyList<PredictionSet> members)
    {
        var count = members[0].Count;
        if (members.Any(m => m.Count != count || m.Kind != members[0].Kind))
            throw new InvalidDataException($"cannot average predictions of different validation sets: {string.Join(", ", members.Select(m => m.Source))}");
        var mean = new float[count];
        foreach (var member in members)
        {
            var p = member.Probabilities;
            for (var i = 0; i < count; i++) mean[i] += p[i] / members.Count;
        }
        for (var i = 0; i < count; i++) mean[i] = Math.Clamp(mean[i], 0f, 1f);
        var source = $"ensemble of {string.Join(" + ", members.Select(m => m.Source))}";
        return members[0].Kind == PredictionKind.Binary
            ? PredictionSet.Binary(mean, source)
            : PredictionSet.Classification(members[0].Top1, mean, source);
    }

    private static double SetLoss(PredictionSet set)
    {
        if (set.Kind != PredictionKind.Classification || set.Count == 0) return double.NaN;
        double sum = 0;
        foreach (var p in set.Probabilities) sum -= Math.Log(Math.Max(p, 1e-12));
        return sum / set.Count;
    }

    private static IEnumerable<(T, T)> Pairs<T>(IReadOnlyList<T> items)
    {
        for (var i = 0; i < items.Count; i++)
            for (var j = i + 1; j < items.Count; j++)
                yield return (items[i], items[j]);
    }
}
