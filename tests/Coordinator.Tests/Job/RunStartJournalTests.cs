using ActorCodistill.Coordinator.Embedded;
using ActorCodistill.Coordinator.Job;
using ActorCodistill.Coordinator.Tests.Distributed;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Tests.Job;

/// <summary>The journal at the start of a run: read once, and the coordinator still recovers from it.</summary>
[Trait("Category", "Integration")]
public class RunStartJournalTests
{
    [Fact]
    public void ResumedRun_ReadsTheJournalStoreOnce_AndTheCoordinatorRecoversFromWhatWasRead()
    {
        var logDir = Path.Combine(Path.GetTempPath(), "codistill-run-start-" + Guid.NewGuid().ToString("N")[..8]);
        var configPath = ClusterRunTests.TinyClusterConfig(logDir, ClusterRunTests.FreePort(),
            "training { steps = 4, burn-in-steps = 2, eval-interval = 4, print-every = 4 }");
        try
        {
            // A journal as a seed killed mid-run leaves it: started, then reconfigured to a weight the config does not say.
            var store = new CountingJobJournal();
            store.Append("resumed", new JobStarted("resumed", false, 2, TopologyKind.Pairwise, 4, 1.0, 4));
            store.Append("resumed", new DistillWeightChanged(0.25));
            var console = new StringWriter();

            var result = TrainCommand.Run(new TrainCommand.Options(configPath, false, new Dictionary<string, string?>(), "resumed", Journal: store),
                TextWriter.Synchronized(console));

            Assert.Equal(1, store.Loads);
            Assert.Contains("resuming job resumed: its journal holds 2 events", console.ToString());
            Assert.Equal(0.25, result.Completed.Status.DistillWeight);
            Assert.Contains(result.Completed.Status.RecentEvents, e => e.StartsWith("recovered job resumed from the journal", StringComparison.Ordinal));
            Assert.IsType<JobFinished>(store.Load("resumed")[^1]);
        }
        finally
        {
            try { Directory.Delete(logDir, recursive: true); } catch (IOException) { }
        }
    }
}
