using ActorCodistill.Coordinator.Embedded;
using ActorCodistill.Coordinator.Job;
using ActorCodistill.Coordinator.Tests.Distributed;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Tests.Job;

/// <summary>The journal at the start of a run: read through Akka.Persistence.Sql (SQLite in the run folder), and the coordinator recovers from it.</summary>
[Trait("Category", "Integration")]
public class RunStartJournalTests
{
    [Fact]
    public async Task ResumedRun_SaysWhatTheJournalHolds_AndTheCoordinatorRecoversFromIt_AndJournalsTheFinish()
    {
        var logDir = Path.Combine(Path.GetTempPath(), "codistill-run-start-" + Guid.NewGuid().ToString("N")[..8]);
        var configPath = ClusterRunTests.TinyClusterConfig(logDir, ClusterRunTests.FreePort(),
            "training { steps = 4, burn-in-steps = 2, eval-interval = 4, print-every = 4 }");
        try
        {
            // A journal as a seed killed mid-run leaves it: started, then reconfigured to a weight the config does not say.
            var runDirectory = Path.Combine(logDir, "resumed");
            Directory.CreateDirectory(runDirectory);
            var journal = JobJournal.AkkaConfig(new ActorCodistill.Cluster.Persistence.PersistenceSettings("sqlite", Path.Combine(runDirectory, "journal.db")));
            var writer = EmbeddedHosting.Start("journal-writer", akka: journal);
            try
            {
                JobJournal.Write(writer, "resumed", [new JobStarted("resumed", false, 2, TopologyKind.Pairwise, 4, 1.0, 4), new DistillWeightChanged(0.25)]);
            }
            finally
            {
                await writer.Terminate().WaitAsync(TimeSpan.FromSeconds(30));
            }
            var console = new StringWriter();

            var result = TrainCommand.Run(new TrainCommand.Options(configPath, false, new Dictionary<string, string?>(), "resumed"),
                TextWriter.Synchronized(console));

            Assert.Contains("resuming job resumed: its journal holds 2 events", console.ToString());
            Assert.Equal(0.25, result.Completed.Status.DistillWeight);
            Assert.Contains(result.Completed.Status.RecentEvents, e => e.StartsWith("recovered job resumed from the journal", StringComparison.Ordinal));
            var reader = EmbeddedHosting.Start("journal-reader", akka: journal);
            try
            {
                var events = JobJournal.Read(reader, "resumed");
                Assert.IsType<JobStarted>(events[0]);
                Assert.Equal(new DistillWeightChanged(0.25), events[1]);
                Assert.IsType<JobFinished>(events[^1]);
            }
            finally
            {
                await reader.Terminate().WaitAsync(TimeSpan.FromSeconds(30));
            }
        }
        finally
        {
            try { Directory.Delete(logDir, recursive: true); } catch (IOException) { }
        }
    }
}
