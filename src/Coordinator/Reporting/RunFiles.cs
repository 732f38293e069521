using System.Globalization;

namespace ActorCodistill.Coordinator.Reporting;

/// <summary>File names inside a run directory <c>runs/&lt;run-id&gt;/</c>; the one place they are spelled.</summary>
public static class RunFiles
{
    public const string RunJson = "run.json";
    public const string Metrics = "metrics.jsonl";
    public const string LearningCurve = "learning-curve.svg";
    public const string PredictionsPattern = "predictions-g*.bin";

    public static string PredictionsFileName(int group) =>
        string.Create(CultureInfo.InvariantCulture, $"predictions-g{group}.bin");

    public static string Predictions(string runDirectory, int group) =>
        Path.Combine(runDirectory, PredictionsFileName(group));

    /// <summary>The group number in a <c>predictions-g&lt;group&gt;.bin</c> name, or null for any other name.</summary>
    public static int? GroupOfPredictionsFile(string path)
    {
        var name = Path.GetFileName(path);
        const string prefix = "predictions-g", suffix = ".bin";
        if (!name.StartsWith(prefix, StringComparison.Ordinal) || !name.EndsWith(suffix, StringComparison.Ordinal))
            return null;
        var digits = name.AsSpan(prefix.Length, name.Length - prefix.Length - suffix.Length);
        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var group) ? group : null;
    }
}
