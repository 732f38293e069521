using System.Globalization;
using System.Text;

namespace ActorCodistill.Coordinator.Reporting;

/// <summary>
/// The one-line training status, e.g.
/// <c>step 1200/10000 12.0% | loss 4.5210 | distill 0.1234 | val 4.3000 | 812 ex/s | teacher age 12,40</c>.
/// Plain text without markup brackets, so it can go into a Spectre.Console status or progress
/// description as is.
/// </summary>
public static class ProgressFormatter
{
    /// <summary>Above this many teachers (all-to-all with many groups) only the range is shown.</summary>
    public const int MaxListedTeacherAges = 4;

    /// <param name="distillLoss">Null while distillation is off (burn-in), shown as "distill off".</param>
    /// <param name="valLoss">The latest validation loss, if any eval has run yet.</param>
    /// <param name="teacherAges">Steps since each teacher copy was taken; empty before the first copy.</param>
    public static string Format(
        long step,
        long totalSteps,
        double loss,
        double? distillLoss,
        double? valLoss,
        double examplesPerSecond,
        IReadOnlyList<long> teacherAges)
    {
        ArgumentNullException.ThrowIfNull(teacherAges);
        var line = new StringBuilder();
        line.Append(CultureInfo.InvariantCulture, $"step {step}/{totalSteps}");
        if (totalSteps > 0)
            line.Append(CultureInfo.InvariantCulture, $" {100.0 * step / totalSteps:F1}%");
        line.Append(CultureInfo.InvariantCulture, $" | loss {Loss(loss)}");
        line.Append(distillLoss is { } d ? $" | distill {Loss(d)}" : " | distill off");
        if (valLoss is { } v)
            line.Append($" | val {Loss(v)}");
        line.Append($" | {Rate(examplesPerSecond)} ex/s");
        line.Append(" | teacher age ").Append(Ages(teacherAges));
        return line.ToString();
    }

    private static string Loss(double value) => value.ToString("F4", CultureInfo.InvariantCulture);

    /// <summary>Three significant figures at most: the line has to stay short.</summary>
    internal static string Rate(double perSecond) => perSecond switch
    {
        double.NaN => "-",
        >= 1e6 => (perSecond / 1e6).ToString("F2", CultureInfo.InvariantCulture) + "M",
        >= 1e4 => (perSecond / 1e3).ToString("F1", CultureInfo.InvariantCulture) + "k",
        _ => perSecond.ToString("F0", CultureInfo.InvariantCulture),
    };

    private static string Ages(IReadOnlyList<long> ages)
    {
        if (ages.Count == 0)
            return "-";
        if (ages.Count > MaxListedTeacherAges)
            return string.Create(CultureInfo.InvariantCulture, $"{ages.Min()}..{ages.Max()} ({ages.Count} teachers)");
        return string.Join(",", ages.Select(a => a.ToString(CultureInfo.InvariantCulture)));
    }
}
