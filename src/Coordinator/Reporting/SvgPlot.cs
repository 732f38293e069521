using System.Globalization;
using System.Security;
using System.Text;

namespace ActorCodistill.Coordinator.Reporting;

/// <param name="PerGroup">Also draw each group's validation curve (thin, dashed per group) under the run's mean.</param>
public sealed record SvgPlotOptions(
    int Width = 800,
    int Height = 480,
    string? Title = null,
    bool IncludeTrainLoss = true,
    int MaxTrainPoints = 400,
    bool PerGroup = false);

/// <summary>
/// Learning curves as a standalone SVG (no scripts, no external styles), in the paper's figure
/// style: validation loss against step, one colour per run. Per run there is one solid polyline
/// (class "val": the mean-over-groups validation curve) and, lightly, one faint polyline (class
/// "train": the mean-over-groups train loss, bucket-averaged down to at most MaxTrainPoints) and, with
/// <see cref="SvgPlotOptions.PerGroup"/>, one thin dashed polyline per group (class "group-val", <c>data-group</c>).
/// Non-finite losses are left out. Every polyline carries <c>data-run</c> with the run id. The legend is sized to its
/// longest label and sits in the plot's top-right corner on a white box, or below the plot (the image grows) when it
/// would cover too much of it.
/// </summary>
public static class SvgPlot
{
    private static readonly string[] Palette =
        ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

    // Dash patterns of the per-group curves, group 0 first.
    private static readonly string[] Dashes = ["6,3", "2,3", "9,3,2,3", "1,4", "12,4"];

    // Average advance of a character at 12px sans-serif (a little generous, so a legend never spills).
    private const double CharWidth = 7.2;

    private const double MarginLeft = 70, MarginRight = 20, MarginTop = 40, MarginBottom = 50;

    /// <summary>Writes <c>learning-curve.svg</c> beside the run's metrics and returns its path.</summary>
    public static string WriteLearningCurve(RunRecords run, SvgPlotOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        var path = Path.Combine(run.Directory, RunFiles.LearningCurve);
        File.WriteAllText(path, LearningCurves([run], options ?? new SvgPlotOptions(Title: run.Info.Label)), Encoding.UTF8);
        return path;
    }

    /// <summary>Several runs on one plot (baseline against codistillation), written to <paramref name="path"/>.</summary>
    public static void Write(string path, IReadOnlyList<RunRecords> runs, SvgPlotOptions? options = null) =>
        File.WriteAllText(path, LearningCurves(runs, options), Encoding.UTF8);

    public static string LearningCurves(IReadOnlyList<RunRecords> runs, SvgPlotOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(runs);
        options ??= new SvgPlotOptions();
        var series = new List<Series>();
        for (var i = 0; i < runs.Count; i++)
        {
            var colour = Palette[i % Palette.Length];
            var run = runs[i];
            var val = RunSummary.MeanCurve(run.Eval)
                .Where(p => double.IsFinite(p.MeanValLoss))
                .Select(p => ((double)p.Step, p.MeanValLoss)).ToList();
            series.Add(new Series(run.Info.RunId, run.Info.Label, "val", colour, val));
            if (options.PerGroup)
            {
                foreach (var group in run.Eval.Select(e => e.Group).Distinct().Order())
                {
                    var curve = run.Eval.Where(e => e.Group == group && double.IsFinite(e.ValLoss))
                        .GroupBy(e => e.Step).OrderBy(g => g.Key).Select(g => ((double)g.Key, g.Last().ValLoss)).ToList();
                    series.Add(new Series(run.Info.RunId, $"{run.Info.Label}, group {group}", "group-val", colour, curve, group));
                }
            }
            if (options.IncludeTrainLoss)
                series.Add(new Series(run.Info.RunId, run.Info.Label, "train", colour, TrainCurve(run.Train, options.MaxTrainPoints)));
        }
        return Render(series, options);
    }

    /// <summary>
    /// Evenly spaced "nice" tick values (1, 2 or 5 times a power of ten) covering [min, max]; the
    /// first and last ticks are the axis ends.
    /// </summary>
    public static IReadOnlyList<double> NiceTicks(double min, double max, int target = 6)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max) || max < min)
            throw new ArgumentException($"cannot make ticks for [{min}, {max}]");
        if (max == min)
        {
            var pad = min == 0 ? 1 : Math.Abs(min) * 0.05;
            min -= pad;
            max += pad;
        }
        var step = NiceStep((max - min) / Math.Max(1, target - 1));
        var first = Math.Floor(min / step + 1e-9) * step;
        var last = Math.Ceiling(max / step - 1e-9) * step;
        var count = (int)Math.Round((last - first) / step);
        // Recomputed from the index rather than accumulated, so 0.1 + 0.2 does not print as 0.30000000000000004.
        return Enumerable.Range(0, count + 1).Select(k => Math.Round(first + k * step, 12)).ToList();
    }

    private static double NiceStep(double rough)
    {
        var power = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        var fraction = rough / power;
        var nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
        return nice * power;
    }

    private static List<(double X, double Y)> TrainCurve(IReadOnlyList<TrainRecord> train, int maxPoints)
    {
        var byStep = new Dictionary<(int, long), TrainRecord>();
        foreach (var record in train)
            byStep[(record.Group, record.Step)] = record;
        // The task loss, not task + distillation: it is what a baseline's curve shows, so runs compare.
        var mean = byStep.Values
            .Where(t => double.IsFinite(t.TaskLoss))
            .GroupBy(t => t.Step)
            .OrderBy(g => g.Key)
            .Select(g => ((double)g.Key, g.Average(t => t.TaskLoss)))
            .ToList();
        if (mean.Count <= maxPoints || maxPoints < 1)
            return mean;
        // Bucket averages keep the trend without thousands of vertices; each bucket is plotted at its mean step.
        var buckets = new List<(double, double)>(maxPoints);
        for (var b = 0; b < maxPoints; b++)
        {
            var from = (int)((long)b * mean.Count / maxPoints);
            var to = (int)((long)(b + 1) * mean.Count / maxPoints);
            var slice = mean.GetRange(from, to - from);
            buckets.Add((slice.Average(p => p.Item1), slice.Average(p => p.Item2)));
        }
        return buckets;
    }

    private static string Render(List<Series> series, SvgPlotOptions options)
    {
        double width = options.Width, height = options.Height;
        var plotLeft = MarginLeft;
        var plotRight = width - MarginRight;
        var plotTop = MarginTop;
        var plotBottom = height - MarginBottom;

        var points = series.SelectMany(s => s.Points).ToList();
        var xTicks = points.Count == 0 ? NiceTicks(0, 1) : NiceTicks(Math.Min(0, points.Min(p => p.X)), points.Max(p => p.X));
        var yTicks = points.Count == 0 ? NiceTicks(0, 1) : NiceTicks(points.Min(p => p.Y), points.Max(p => p.Y));
        double xMin = xTicks[0], xMax = xTicks[^1], yMin = yTicks[0], yMax = yTicks[^1];
        double X(double x) => plotLeft + (x - xMin) / (xMax - xMin) * (plotRight - plotLeft);
        double Y(double y) => plotBottom - (y - yMin) / (yMax - yMin) * (plotBottom - plotTop);

        var svg = new StringBuilder();
        svg.AppendLine(Inv($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\">"));
        svg.AppendLine(Inv($"<rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"white\"/>"));
        if (options.Title is { } title)
            svg.AppendLine(Inv($"<text class=\"title\" x=\"{width / 2:F1}\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">{Escape(title)}</text>"));

        svg.AppendLine("<g class=\"ticks\" fill=\"#444\">");
        foreach (var t in xTicks)
        {
            var x = X(t);
            svg.AppendLine(Inv($"<line x1=\"{x:F1}\" y1=\"{plotBottom:F1}\" x2=\"{x:F1}\" y2=\"{plotBottom + 5:F1}\" stroke=\"#444\"/>"));
            svg.AppendLine(Inv($"<text class=\"xtick\" x=\"{x:F1}\" y=\"{plotBottom + 18:F1}\" text-anchor=\"middle\">{TickLabel(t, xTicks)}</text>"));
        }
        foreach (var t in yTicks)
        {
            var y = Y(t);
            svg.AppendLine(Inv($"<line x1=\"{plotLeft - 5:F1}\" y1=\"{y:F1}\" x2=\"{plotRight:F1}\" y2=\"{y:F1}\" stroke=\"#ddd\"/>"));
            svg.AppendLine(Inv($"<text class=\"ytick\" x=\"{plotLeft - 8:F1}\" y=\"{y + 4:F1}\" text-anchor=\"end\">{TickLabel(t, yTicks)}</text>"));
        }
        svg.AppendLine("</g>");
        // After the grid, so the grey grid line at the lowest tick does not paint over the x axis.
        svg.AppendLine("<g class=\"axes\" stroke=\"#444\" fill=\"none\">");
        svg.AppendLine(Inv($"<line x1=\"{plotLeft:F1}\" y1=\"{plotBottom:F1}\" x2=\"{plotRight:F1}\" y2=\"{plotBottom:F1}\"/>"));
        svg.AppendLine(Inv($"<line x1=\"{plotLeft:F1}\" y1=\"{plotTop:F1}\" x2=\"{plotLeft:F1}\" y2=\"{plotBottom:F1}\"/>"));
        svg.AppendLine("</g>");
        svg.AppendLine(Inv($"<text class=\"xlabel\" x=\"{(plotLeft + plotRight) / 2:F1}\" y=\"{height - 12:F1}\" text-anchor=\"middle\">step</text>"));
        svg.AppendLine(Inv($"<text class=\"ylabel\" x=\"16\" y=\"{(plotTop + plotBottom) / 2:F1}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {(plotTop + plotBottom) / 2:F1})\">loss (validation solid, train faint)</text>"));

        // Train series first, then the groups, so the mean validation curves are drawn on top.
        foreach (var s in series.OrderBy(s => s.Kind switch { "train" => 0, "group-val" => 1, _ => 2 }))
        {
            if (s.Points.Count == 0)
                continue;
            var coordinates = string.Join(" ", s.Points.Select(p => Inv($"{X(p.X):F1},{Y(p.Y):F1}")));
            var group = s.Group is { } g ? Inv($" data-group=\"{g}\"") : "";
            svg.AppendLine($"<polyline class=\"{s.Kind}\" data-run=\"{Escape(s.RunId)}\"{group} fill=\"none\" stroke=\"{s.Colour}\" {Style(s)} points=\"{coordinates}\"/>");
        }
        if (points.Count == 0)
            svg.AppendLine(Inv($"<text class=\"empty\" x=\"{(plotLeft + plotRight) / 2:F1}\" y=\"{(plotTop + plotBottom) / 2:F1}\" text-anchor=\"middle\">no finite losses to plot</text>"));

        var entries = series.Where(s => s.Kind != "train").ToList();
        if (entries.Count > 0)
        {
            // Sized to the longest label; in the top-right corner when it leaves most of the plot free, else below it.
            // A label longer than the image is wide is cut with an ellipsis (the whole label in its tooltip).
            var maxChars = Math.Max(8, (int)((width - 20 - 50) / CharWidth));
            string Shown(string label) => label.Length <= maxChars ? label : label[..(maxChars - 1)] + "\u2026";
            var legendWidth = 40 + entries.Max(e => Shown(e.Label).Length) * CharWidth + 10;
            var legendHeight = entries.Count * 18 + 8;
            var inside = legendWidth <= (plotRight - plotLeft) * 0.5 && legendHeight <= (plotBottom - plotTop) * 0.5;
            var left = inside ? plotRight - legendWidth - 6 : 10;
            var top = inside ? plotTop + 6 : height + 4;
            svg.AppendLine(Inv($"<g class=\"legend\" data-placement=\"{(inside ? "inside" : "below")}\">"));
            svg.AppendLine(Inv($"<rect x=\"{left:F1}\" y=\"{top:F1}\" width=\"{legendWidth:F1}\" height=\"{legendHeight:F1}\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#ccc\"/>"));
            var legendY = top + 14;
            foreach (var s in entries)
            {
                svg.AppendLine(Inv($"<line x1=\"{left + 8:F1}\" y1=\"{legendY - 4:F1}\" x2=\"{left + 33:F1}\" y2=\"{legendY - 4:F1}\" stroke=\"{s.Colour}\" {Style(s)}/>"));
                var shown = Shown(s.Label);
                var tooltip = shown == s.Label ? "" : $"<title>{Escape(s.Label)}</title>";
                svg.AppendLine(Inv($"<text x=\"{left + 40:F1}\" y=\"{legendY:F1}\">{tooltip}{Escape(shown)}</text>"));
                legendY += 18;
            }
            svg.AppendLine("</g>");
            if (!inside)
            {
                // Grow the image to hold the legend below the plot.
                var grown = height + legendHeight + 8;
                svg.Replace(Inv($"height=\"{height}\" viewBox=\"0 0 {width} {height}\""), Inv($"height=\"{grown}\" viewBox=\"0 0 {width} {grown}\""));
                svg.Replace(Inv($"<rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"white\"/>"), Inv($"<rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{grown}\" fill=\"white\"/>"));
            }
        }
        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    private static string TickLabel(double value, IReadOnlyList<double> ticks)
    {
        var step = ticks.Count > 1 ? ticks[1] - ticks[0] : 1;
        var decimals = Math.Clamp(-(int)Math.Floor(Math.Log10(step) + 1e-9), 0, 6);
        return value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    private static string Escape(string text) => SecurityElement.Escape(text) ?? "";

    private static string Inv(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Style(Series s) => s.Kind switch
    {
        "val" => "stroke-width=\"2\"",
        "group-val" => Inv($"stroke-width=\"1.2\" stroke-dasharray=\"{Dashes[(s.Group ?? 0) % Dashes.Length]}\""),
        _ => "stroke-width=\"1\" stroke-opacity=\"0.3\"",
    };

    private sealed record Series(string RunId, string Label, string Kind, string Colour, List<(double X, double Y)> Points, int? Group = null);
}
