using System.Xml.Linq;
using ActorCodistill.Coordinator.Embedded;
using ActorCodistill.Coordinator.Tests.Distributed;

namespace ActorCodistill.Coordinator.Tests.Reporting;

/// <summary>
/// The plot a run leaves in its folder (issue 20): its groups' validation curves under its mean, and with
/// <c>training.compare-with</c> the baseline's curves beside them and the steps-to-target line in the summary; a
/// compare-with that names no run folder is refused before the run starts, naming the key.
/// </summary>
[Trait("Category", "Integration")]
public sealed class EndOfRunPlotTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Fact]
    public void ACodistillationRun_PlotsItsGroups_AndTheBaselineItIsComparedWith()
    {
        var logDir = Path.Combine(Path.GetTempPath(), "codistill-plot-" + Guid.NewGuid().ToString("N")[..8]);
        var configPath = ClusterRunTests.TinyClusterConfig(logDir, ClusterRunTests.FreePort(),
            "training { steps = 12, burn-in-steps = 4, eval-interval = 4, print-every = 12 }");
        try
        {
            var baseline = TrainCommand.Run(new TrainCommand.Options(configPath, true, new Dictionary<string, string?>(), "base"), TextWriter.Null);
            var console = new StringWriter();
            var run = TrainCommand.Run(new TrainCommand.Options(configPath, false,
                new Dictionary<string, string?> { ["training.compare-with"] = baseline.RunDirectory }, "codistill"), TextWriter.Synchronized(console));

            var doc = XDocument.Load(Path.Combine(run.RunDirectory, "learning-curve.svg"));
            var lines = doc.Descendants(Svg + "polyline").Select(p => (Kind: p.Attribute("class")!.Value, Run: p.Attribute("data-run")!.Value,
                Group: p.Attribute("data-group")?.Value)).ToList();
            Assert.Contains(("val", "base", null), lines);
            Assert.Contains(("val", "codistill", null), lines);
            Assert.Contains(("group-val", "codistill", "0"), lines);
            Assert.Contains(("group-val", "codistill", "1"), lines);
            Assert.Contains("target: best mean validation loss of base (baseline)", console.ToString());

            var e = Assert.Throws<ArgumentException>(() => TrainCommand.Run(new TrainCommand.Options(configPath, false,
                new Dictionary<string, string?> { ["training.compare-with"] = Path.Combine(logDir, "no-such-run") }, "refused"), TextWriter.Null));
            Assert.Contains("training.compare-with", e.Message);
            Assert.False(Directory.Exists(Path.Combine(logDir, "refused")));
        }
        finally
        {
            try { Directory.Delete(logDir, recursive: true); } catch (IOException) { }
        }
    }
}
