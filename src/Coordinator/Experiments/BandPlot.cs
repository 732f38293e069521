namespace ActorCodistill.Coordinator.Experiments;

/// <summary>Which quantity a learning-curve plot puts on its x axis.</summary>
public enum CurveAxis
{
    Steps,
    Examples,
    WallTime,
}

/// <summary>One point of a variant's curve over seeds: the mean, and the lowest and highest seed, at one eval step.</summary>
public sealed record BandPoint(long Step, double X, double Mean, double Min, double Max, int Seeds);

/// <summary>
/// Validation loss of every variant on the same axes: the mean over seeds as a line (class "mean"), the range over
/// seeds as a shaded band (class "band": lowest to highest seed), each carrying <c>data-variant</c>.
/// </summary>
public static class BandPlot
{
    /// <summary>
    /// A variant's band: at each eval step that every seed's run reached, the mean, min and max of their mean validation
    /// losses; x is that step, the examples per model, or the mean wall time of the seeds at it.
    /// </summary>
    public static IReadOnlyList<BandPoint> Band(VariantFigures variant, CurveAxis axis)
    {
        var curves = variant.Runs.Select(r => r.Curve.ToDictionary(c => c.Step)).ToList();
        if (curves.Count == 0) return [];
        return curves[0].Keys.Where(step => curves.All(c => c.ContainsKey(step))).Order()
            .Select(step =>
            {
                var samples = curves.Select(c => c[step]).ToList();
                var x = axis switch
                {
                    CurveAxis.Steps => step,
                    CurveAxis.Examples => samples.Average(s => s.Examples),
                    _ => samples.Average(s => s.WallSeconds),
                };
                return new BandPoint(step, x, samples.Average(s => s.MeanValLoss), samples.Min(s => s.MeanValLoss), samples.Max(s => s.MeanValLoss), samples.Count);
            }).ToList();
    }

    public static string Render(string title, IReadOnlyList<VariantFigures> variants, CurveAxis axis)
    {
        var bands = variants.Select(v => (v.Variant, Points: Band(v, axis))).Where(b => b.Points.Count > 0).ToList();
        var all = bands.SelectMany(b => b.Points).ToList();
        var frame = all.Count == 0
            ? new SvgFrame(0, 1, 0, 1)
            : new SvgFrame(Math.Min(0, all.Min(p => p.X)), all.Max(p => p.X), all.Min(p => p.Min), all.Max(p => p.Max));
        for (var i = 0; i < bands.Count; i++)
        {
            var (variant, points) = bands[i];
            var colour = SvgFrame.Palette[i % SvgFrame.Palette.Length];
            var name = SvgFrame.Escape(variant.Name);
            var upper = points.Select(p => SvgFrame.Inv($"{frame.X(p.X):F1},{frame.Y(p.Max):F1}"));
            var lower = points.AsEnumerable().Reverse().Select(p => SvgFrame.Inv($"{frame.X(p.X):F1},{frame.Y(p.Min):F1}"));
            frame.Body.AppendLine($"<polygon class=\"band\" data-variant=\"{name}\" fill=\"{colour}\" fill-opacity=\"0.18\" stroke=\"none\" points=\"{string.Join(" ", upper.Concat(lower))}\"/>");
            var mean = points.Select(p => SvgFrame.Inv($"{frame.X(p.X):F1},{frame.Y(p.Mean):F1}"));
            frame.Body.AppendLine($"<polyline class=\"mean\" data-variant=\"{name}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{string.Join(" ", mean)}\"/>");
            var seeds = points.Max(p => p.Seeds);
            frame.AddLegend(seeds > 1 ? $"{variant.Label} (mean of {seeds} seeds; band: lowest to highest)" : $"{variant.Label} (1 seed)", colour);
        }
        if (all.Count == 0)
            frame.Body.AppendLine("<text class=\"empty\" x=\"400\" y=\"200\" text-anchor=\"middle\">no finished runs to plot</text>");
        var xLabel = axis switch
        {
            CurveAxis.Steps => "step",
            CurveAxis.Examples => "examples per model (step x batch-size x workers-per-group)",
            _ => "wall time (s)",
        };
        return frame.Render(title, xLabel, "mean validation loss over groups");
    }
}
