using System.Globalization;
using System.Security;
using System.Text;
using ActorCodistill.Coordinator.Reporting;

namespace ActorCodistill.Coordinator.Experiments;

/// <summary>
/// The frame the experiment plots share: a white standalone SVG (no scripts or external styles), a title, axes with
/// <see cref="SvgPlot.NiceTicks"/> ticks and labels, and a legend below the plot. Callers draw into <see cref="Body"/>
/// with <see cref="X"/> and <see cref="Y"/>.
/// </summary>
internal sealed class SvgFrame
{
    public const double Width = 800, Height = 440;
    private const double Left = 70, Right = 20, Top = 40, Bottom = 60;
    public static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

    private readonly IReadOnlyList<double> _xTicks, _yTicks;
    private readonly List<(string Label, string Colour)> _legend = [];

    public SvgFrame(double xMin, double xMax, double yMin, double yMax)
    {
        _xTicks = SvgPlot.NiceTicks(xMin, xMax);
        _yTicks = SvgPlot.NiceTicks(yMin, yMax);
    }

    public StringBuilder Body { get; } = new();

    public double PlotLeft => Left;

    public double PlotRight => Width - Right;

    public double PlotBottom => Height - Bottom;

    public double X(double x) => Left + (x - _xTicks[0]) / (_xTicks[^1] - _xTicks[0]) * (Width - Right - Left);

    public double Y(double y) => Height - Bottom - (y - _yTicks[0]) / (_yTicks[^1] - _yTicks[0]) * (Height - Bottom - Top);

    public void AddLegend(string label, string colour) => _legend.Add((label, colour));

    /// <param name="xLabels">Category names under the x axis instead of numeric ticks (a bar chart): position -> name.</param>
    public string Render(string title, string xLabel, string yLabel, IReadOnlyList<(double X, string Name)>? xLabels = null)
    {
        var height = Height + (_legend.Count == 0 ? 0 : _legend.Count * 18 + 12);
        var svg = new StringBuilder();
        svg.AppendLine(Inv($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" font-family=\"sans-serif\" font-size=\"12\">"));
        svg.AppendLine(Inv($"<rect x=\"0\" y=\"0\" width=\"{Width}\" height=\"{height}\" fill=\"white\"/>"));
        svg.AppendLine(Inv($"<text class=\"title\" x=\"{Width / 2}\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">{Escape(title)}</text>"));
        svg.AppendLine("<g class=\"ticks\" fill=\"#444\">");
        foreach (var t in _yTicks)
        {
            svg.AppendLine(Inv($"<line x1=\"{Left - 5}\" y1=\"{Y(t):F1}\" x2=\"{PlotRight}\" y2=\"{Y(t):F1}\" stroke=\"#ddd\"/>"));
            svg.AppendLine(Inv($"<text class=\"ytick\" x=\"{Left - 8}\" y=\"{Y(t) + 4:F1}\" text-anchor=\"end\">{Tick(t, _yTicks)}</text>"));
        }
        foreach (var (x, name) in xLabels ?? _xTicks.Select(t => (t, Tick(t, _xTicks))).ToList())
            svg.AppendLine(Inv($"<text class=\"xtick\" x=\"{X(x):F1}\" y=\"{PlotBottom + 18}\" text-anchor=\"middle\">{Escape(name)}</text>"));
        svg.AppendLine("</g>");
        svg.AppendLine(Inv($"<g class=\"axes\" stroke=\"#444\"><line x1=\"{Left}\" y1=\"{PlotBottom}\" x2=\"{PlotRight}\" y2=\"{PlotBottom}\"/><line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{PlotBottom}\"/></g>"));
        svg.AppendLine(Inv($"<text class=\"xlabel\" x=\"{(Left + PlotRight) / 2}\" y=\"{PlotBottom + 40}\" text-anchor=\"middle\">{Escape(xLabel)}</text>"));
        svg.AppendLine(Inv($"<text class=\"ylabel\" x=\"16\" y=\"{(Top + PlotBottom) / 2}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {(Top + PlotBottom) / 2})\">{Escape(yLabel)}</text>"));
        svg.Append(Body);
        if (_legend.Count > 0)
        {
            svg.AppendLine("<g class=\"legend\">");
            var y = Height + 8.0;
            foreach (var (label, colour) in _legend)
            {
                svg.AppendLine(Inv($"<rect x=\"{Left}\" y=\"{y}\" width=\"24\" height=\"10\" fill=\"{colour}\"/>"));
                svg.AppendLine(Inv($"<text x=\"{Left + 32}\" y=\"{y + 10}\">{Escape(label)}</text>"));
                y += 18;
            }
            svg.AppendLine("</g>");
        }
        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    public static string Escape(string text) => SecurityElement.Escape(text) ?? "";

    public static string Inv(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Tick(double value, IReadOnlyList<double> ticks)
    {
        var step = ticks.Count > 1 ? ticks[1] - ticks[0] : 1;
        var decimals = Math.Clamp(-(int)Math.Floor(Math.Log10(step) + 1e-9), 0, 6);
        return value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }
}
