using System.Globalization;
using System.Text;

namespace ActorCodistill.Coordinator.Reporting;

/// <summary>
/// Prediction churn between two models on the same validation set (paper section 3.5, table 1).
/// </summary>
/// <param name="DisagreementRate">Fraction of examples whose decision differs: top-1 id for
/// classification, the 0.5 threshold for binary.</param>
/// <param name="MeanAbsoluteDifference">Mean |p_a - p_b| of the true-label probability
/// (classification) or of the positive-class probability (binary, the paper's "prediction difference").</param>
public sealed record ChurnResult(
    PredictionKind Kind,
    long Count,
    double DisagreementRate,
    double MeanAbsoluteDifference);

/// <summary>Churn between two groups of one run.</summary>
public sealed record GroupPairChurn(int GroupA, int GroupB, ChurnResult Churn);

public static class Churn
{
    /// <exception cref="InvalidDataException">Kinds or counts differ (the two sets cannot be of the same validation set); names both sources.</exception>
    public static ChurnResult Between(PredictionSet a, PredictionSet b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Kind != b.Kind)
            throw new InvalidDataException($"cannot compare {a.Kind} predictions in {a.Source} with {b.Kind} predictions in {b.Source}");
        if (a.Count != b.Count)
            throw new InvalidDataException($"{a.Source} has {a.Count} predictions but {b.Source} has {b.Count}; they are not of the same validation set");
        if (a.Count == 0)
            throw new InvalidDataException($"{a.Source} and {b.Source} hold no predictions; churn is undefined");

        var pa = a.Probabilities;
        var pb = b.Probabilities;
        long disagreements = 0;
        double absoluteDifference = 0;
        for (var i = 0; i < pa.Length; i++)
            absoluteDifference += Math.Abs((double)pa[i] - pb[i]);

        if (a.Kind == PredictionKind.Classification)
        {
            var ta = a.Top1;
            var tb = b.Top1;
            for (var i = 0; i < ta.Length; i++)
            {
                if (ta[i] != tb[i])
                    disagreements++;
            }
        }
        else
        {
            for (var i = 0; i < pa.Length; i++)
            {
                if (pa[i] >= 0.5f != pb[i] >= 0.5f)
                    disagreements++;
            }
        }
        return new ChurnResult(a.Kind, a.Count, (double)disagreements / a.Count, absoluteDifference / a.Count);
    }

    /// <summary>Churn between two retrains: the same group's final predictions in two run directories.</summary>
    public static ChurnResult BetweenRetrains(string runDirectoryA, string runDirectoryB, int group) =>
        Between(
            PredictionFile.Read(RunFiles.Predictions(runDirectoryA, group)),
            PredictionFile.Read(RunFiles.Predictions(runDirectoryB, group)));

    /// <summary>
    /// Churn between every pair of groups of one run, for the groups whose prediction files are
    /// present (a lost group may have none). Fewer than two files gives an empty list.
    /// </summary>
    public static IReadOnlyList<GroupPairChurn> BetweenGroups(string runDirectory)
    {
        var files = Directory.EnumerateFiles(runDirectory, RunFiles.PredictionsPattern)
            .Select(path => (Group: RunFiles.GroupOfPredictionsFile(path), Path: path))
            .Where(f => f.Group is not null)
            .OrderBy(f => f.Group)
            .Select(f => (Group: f.Group!.Value, Predictions: PredictionFile.Read(f.Path)))
            .ToList();
        var pairs = new List<GroupPairChurn>();
        for (var i = 0; i < files.Count; i++)
        {
            for (var j = i + 1; j < files.Count; j++)
                pairs.Add(new GroupPairChurn(files[i].Group, files[j].Group, Between(files[i].Predictions, files[j].Predictions)));
        }
        return pairs;
    }

    public static string Format(ChurnResult churn, string label)
    {
        ArgumentNullException.ThrowIfNull(churn);
        var decision = churn.Kind == PredictionKind.Classification ? "top-1 disagreement" : "decision (p>=0.5) disagreement";
        var difference = churn.Kind == PredictionKind.Classification ? "mean |delta p(true label)|" : "mean |delta p|";
        return string.Create(CultureInfo.InvariantCulture,
            $"{label}: {decision} {100 * churn.DisagreementRate:F2}%, {difference} {churn.MeanAbsoluteDifference:F4} over {churn.Count} examples");
    }

    public static string Format(IReadOnlyList<GroupPairChurn> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        if (pairs.Count == 0)
            return "churn between groups: fewer than two prediction files\n";
        var text = new StringBuilder();
        foreach (var pair in pairs)
            text.AppendLine(Format(pair.Churn, string.Create(CultureInfo.InvariantCulture, $"groups {pair.GroupA} vs {pair.GroupB}")));
        if (pairs.Count > 1)
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"mean over {pairs.Count} pairs: disagreement {100 * pairs.Average(p => p.Churn.DisagreementRate):F2}%, mean abs difference {pairs.Average(p => p.Churn.MeanAbsoluteDifference):F4}"));
        }
        return text.ToString();
    }
}
