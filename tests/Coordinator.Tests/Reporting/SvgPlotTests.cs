using System.Globalization;
using System.Xml.Linq;
using ActorCodistill.Coordinator.Reporting;
using static ActorCodistill.Coordinator.Tests.Reporting.Runs;

namespace ActorCodistill.Coordinator.Tests.Reporting;

[Trait("Category", "Unit")]
public sealed class SvgPlotTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static RunRecords BaselineRun() => Make(Info("b1", RunMode.Baseline),
        Train(10, 0, 6.0), Train(10, 1, 6.2), Train(20, 0, 5.5), Train(30, 0, 5.0), Train(40, 0, 4.8), Train(50, 0, 4.6),
        Eval(50, 0, 4.5), Eval(50, 1, 4.7), Eval(100, 0, 4.0), Eval(100, 1, 4.2), Eval(150, 0, 3.9));

    private static RunRecords CodistillRun() => Make(Info("c1", RunMode.Codistill),
        Eval(50, 0, 4.4), Eval(100, 0, 3.8), Eval(150, 0, 3.6), Eval(200, 0, 3.5));

    private static List<XElement> Polylines(XDocument doc) => doc.Descendants(Svg + "polyline").ToList();

    private static List<(double X, double Y)> Points(XElement polyline) =>
        polyline.Attribute("points")!.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split(','))
            .Select(xy => (double.Parse(xy[0], CultureInfo.InvariantCulture), double.Parse(xy[1], CultureInfo.InvariantCulture)))
            .ToList();

    private static XElement Series(XDocument doc, string kind, string runId) =>
        Polylines(doc).Single(p => p.Attribute("class")!.Value == kind && p.Attribute("data-run")!.Value == runId);

    [Fact]
    public void LearningCurves_TwoRuns_WellFormedWithAValAndTrainSeriesPerRun()
    {
        var doc = XDocument.Parse(SvgPlot.LearningCurves([BaselineRun(), CodistillRun()]));

        Assert.Equal(Svg + "svg", doc.Root!.Name);
        // The codistill run has no train records, so it draws no train polyline.
        Assert.Equal(3, Polylines(doc).Count);
        Assert.Equal(3, Points(Series(doc, "val", "b1")).Count);
        Assert.Equal(5, Points(Series(doc, "train", "b1")).Count);
        Assert.Equal(4, Points(Series(doc, "val", "c1")).Count);
        var legend = doc.Descendants(Svg + "g").Single(g => g.Attribute("class")?.Value == "legend").Value;
        Assert.Contains("b1 (baseline)", legend);
        Assert.Contains("c1 (codistill)", legend);
    }

    [Fact]
    public void LearningCurves_PerGroup_DrawEachGroupsValidationCurve_Dashed_AndNameThemInTheLegend()
    {
        var doc = XDocument.Parse(SvgPlot.LearningCurves([BaselineRun(), CodistillRun()], new SvgPlotOptions(PerGroup: true)));
        var groups = Polylines(doc).Where(p => p.Attribute("class")!.Value == "group-val").ToList();
        // The baseline evaluated groups 0 and 1, the codistillation run group 0.
        Assert.Equal([("b1", "0"), ("b1", "1"), ("c1", "0")],
            groups.Select(p => (p.Attribute("data-run")!.Value, p.Attribute("data-group")!.Value)).Order().ToList());
        Assert.Equal(2, Points(groups.Single(p => p.Attribute("data-run")!.Value == "b1" && p.Attribute("data-group")!.Value == "1")).Count);
        Assert.All(groups, p => Assert.NotNull(p.Attribute("stroke-dasharray")));
        Assert.NotEqual(groups[0].Attribute("stroke-dasharray")!.Value, groups[1].Attribute("stroke-dasharray")!.Value);
        var legend = doc.Descendants(Svg + "g").Single(g => g.Attribute("class")?.Value == "legend").Value;
        Assert.Contains("b1 (baseline), group 1", legend);
    }

    [Theory]
    [InlineData("c1")]
    [InlineData("a-run-name-that-someone-chose-to-make-very-long-indeed-for-the-nightly-sweep")]
    public void TheLegend_FitsInTheImage_WhateverTheLabels(string runId)
    {
        var run = Make(Info(runId, RunMode.Codistill), Eval(50, 0, 4.4), Eval(50, 1, 4.5), Eval(100, 0, 3.8), Eval(100, 1, 3.9));
        var doc = XDocument.Parse(SvgPlot.LearningCurves([BaselineRun(), run], new SvgPlotOptions(Width: 640, Height: 400, PerGroup: true)));
        var width = double.Parse(doc.Root!.Attribute("width")!.Value, CultureInfo.InvariantCulture);
        var height = double.Parse(doc.Root!.Attribute("height")!.Value, CultureInfo.InvariantCulture);
        var legend = doc.Descendants(Svg + "g").Single(g => g.Attribute("class")?.Value == "legend");
        foreach (var text in legend.Descendants(Svg + "text"))
        {
            var x = double.Parse(text.Attribute("x")!.Value, CultureInfo.InvariantCulture);
            var y = double.Parse(text.Attribute("y")!.Value, CultureInfo.InvariantCulture);
            // What is drawn (a cut label keeps its whole text in a <title> tooltip).
            var shown = string.Concat(text.Nodes().OfType<XText>().Select(t => t.Value));
            // 7 px a character is about what 12px sans-serif takes; the label must end inside the image.
            Assert.True(x + shown.Length * 7.0 <= width, $"'{shown}' runs past the right edge ({x} + {shown.Length} chars > {width})");
            Assert.InRange(y, 0, height);
            if (shown.EndsWith('\u2026')) Assert.Contains(runId, text.Element(Svg + "title")!.Value);
        }
        // A long legend goes below the plot rather than over the curves.
        Assert.Equal(runId.Length > 40 ? "below" : "inside", legend.Attribute("data-placement")!.Value);
        if (runId.Length > 40) Assert.True(height > 400);
    }

    [Fact]
    public void LearningCurves_Points_InsidePlotAreaAndOrderedByStep()
    {
        var doc = XDocument.Parse(SvgPlot.LearningCurves([BaselineRun(), CodistillRun()], new SvgPlotOptions(Width: 800, Height: 480)));

        foreach (var polyline in Polylines(doc))
        {
            var points = Points(polyline);
            Assert.All(points, p => Assert.InRange(p.X, 70, 780));
            Assert.All(points, p => Assert.InRange(p.Y, 40, 430));
            Assert.Equal(points.Select(p => p.X).Order(), points.Select(p => p.X));
        }
        // Loss falls, so screen y (down is larger) must rise along the codistill validation curve.
        var val = Points(Series(doc, "val", "c1"));
        Assert.Equal(val.Select(p => p.Y).Order(), val.Select(p => p.Y));
    }

    [Fact]
    public void LearningCurves_Axes_HaveTicksAndLabels()
    {
        var doc = XDocument.Parse(SvgPlot.LearningCurves([BaselineRun(), CodistillRun()]));
        var texts = doc.Descendants(Svg + "text").ToList();

        Assert.Contains(texts, t => t.Attribute("class")?.Value == "xlabel" && t.Value == "step");
        Assert.Contains(texts, t => t.Attribute("class")?.Value == "ylabel");
        Assert.Equal(["0", "50", "100", "150", "200"], texts.Where(t => t.Attribute("class")?.Value == "xtick").Select(t => t.Value));
        Assert.True(texts.Count(t => t.Attribute("class")?.Value == "ytick") >= 3);
    }

    [Fact]
    public void LearningCurves_RunIdNeedingEscapes_StillWellFormed()
    {
        var run = Make(Info("a&b<c>\"d\"", RunMode.Baseline), Eval(1, 0, 1.0), Eval(2, 0, 0.5));

        var doc = XDocument.Parse(SvgPlot.LearningCurves([run], new SvgPlotOptions(Title: "x & y")));

        Assert.Equal("a&b<c>\"d\"", Polylines(doc).Single().Attribute("data-run")!.Value);
    }

    [Fact]
    public void LearningCurves_ManyTrainSteps_DownsampledToTheLimit()
    {
        var records = Enumerable.Range(1, 1000).Select(s => (MetricRecord)Train(s, 0, 10.0 / s)).Append(Eval(1000, 0, 0.1)).ToArray();

        var doc = XDocument.Parse(SvgPlot.LearningCurves([Make(Info(), records)], new SvgPlotOptions(MaxTrainPoints: 100)));

        Assert.Equal(100, Points(Series(doc, "train", "r1")).Count);
    }

    [Fact]
    public void LearningCurves_NaNValidationLoss_LeftOut()
    {
        var run = Make(Info(groups: 1), Eval(50, 0, 4.0), Eval(100, 0, double.NaN), Eval(150, 0, 3.0));

        var doc = XDocument.Parse(SvgPlot.LearningCurves([run]));

        Assert.Equal(2, Points(Series(doc, "val", "r1")).Count);
    }

    [Fact]
    public void LearningCurves_NoData_WellFormedWithoutSeries()
    {
        var doc = XDocument.Parse(SvgPlot.LearningCurves([Make(Info())]));

        Assert.Empty(Polylines(doc));
        Assert.Contains(doc.Descendants(Svg + "text"), t => t.Attribute("class")?.Value == "empty");
    }

    [Fact]
    public void WriteLearningCurve_RunDirectory_FileBesideTheMetrics()
    {
        using var dir = new TempDirectory();
        using (var writer = MetricsWriter.Create(dir.Path, Info("w1")))
        {
            writer.Append(Eval(50, 0, 4.0));
            writer.Append(Eval(100, 0, 3.0));
        }

        var path = SvgPlot.WriteLearningCurve(MetricsReader.Read(dir.Path));

        Assert.Equal(dir.File(RunFiles.LearningCurve), path);
        Assert.Equal(2, Points(Series(XDocument.Load(path), "val", "w1")).Count);
    }

    [Theory]
    [InlineData(0, 10, new[] { 0.0, 2, 4, 6, 8, 10 })]
    [InlineData(3.3, 4.7, new[] { 3.0, 3.5, 4.0, 4.5, 5.0 })]
    [InlineData(0, 1000, new[] { 0.0, 200, 400, 600, 800, 1000 })]
    [InlineData(0.12, 0.31, new[] { 0.1, 0.15, 0.2, 0.25, 0.3, 0.35 })]
    public void NiceTicks_Range_CoveredByRoundSteps(double min, double max, double[] expected)
    {
        Assert.Equal(expected, SvgPlot.NiceTicks(min, max));
    }

    [Fact]
    public void NiceTicks_SingleValue_PaddedAroundIt()
    {
        var ticks = SvgPlot.NiceTicks(4, 4);

        Assert.True(ticks[0] < 4 && ticks[^1] > 4);
    }
}
