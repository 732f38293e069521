namespace ActorCodistill.Coordinator.Experiments;

/// <summary>One bar: a figure's mean over seeds, with a whisker from the lowest to the highest seed.</summary>
public sealed record Bar(string Name, Spread Value);

/// <summary>Bars (class "bar", <c>data-name</c>, <c>data-value</c>) with min-max whiskers (class "whisker"), for figures a table reads worse.</summary>
public static class BarChart
{
    public static string Render(string title, string yLabel, IReadOnlyList<Bar> bars)
    {
        var top = bars.Count == 0 ? 1 : bars.Max(b => b.Value.Max);
        var bottom = bars.Count == 0 ? 0 : Math.Min(0, bars.Min(b => b.Value.Min));
        var frame = new SvgFrame(0, Math.Max(1, bars.Count), bottom, top <= bottom ? bottom + 1 : top);
        var slot = (frame.PlotRight - frame.PlotLeft) / Math.Max(1, bars.Count);
        var labels = new List<(double, string)>();
        for (var i = 0; i < bars.Count; i++)
        {
            var (name, value) = bars[i];
            var colour = SvgFrame.Palette[i % SvgFrame.Palette.Length];
            var centre = frame.X(i + 0.5);
            var y = frame.Y(value.Mean);
            var zero = frame.Y(Math.Max(0, bottom));
            frame.Body.AppendLine(SvgFrame.Inv(
                $"<rect class=\"bar\" data-name=\"{SvgFrame.Escape(name)}\" data-value=\"{value.Mean:R}\" x=\"{centre - slot * 0.3:F1}\" y=\"{Math.Min(y, zero):F1}\" width=\"{slot * 0.6:F1}\" height=\"{Math.Abs(zero - y):F1}\" fill=\"{colour}\"/>"));
            if (value.Count > 1)
                frame.Body.AppendLine(SvgFrame.Inv(
                    $"<line class=\"whisker\" data-name=\"{SvgFrame.Escape(name)}\" x1=\"{centre:F1}\" y1=\"{frame.Y(value.Min):F1}\" x2=\"{centre:F1}\" y2=\"{frame.Y(value.Max):F1}\" stroke=\"#222\" stroke-width=\"1.5\"/>"));
            frame.Body.AppendLine(SvgFrame.Inv($"<text class=\"value\" x=\"{centre:F1}\" y=\"{Math.Min(y, zero) - 4:F1}\" text-anchor=\"middle\">{value.Mean:G4}</text>"));
            labels.Add((i + 0.5, name));
        }
        return frame.Render(title, bars.Count > 0 && bars.Any(b => b.Value.Count > 1) ? "mean over seeds; whisker: lowest to highest seed" : "", yLabel, labels);
    }
}
