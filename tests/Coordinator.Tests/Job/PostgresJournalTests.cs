using ActorCodistill.Coordinator.Embedded;
using ActorCodistill.Coordinator.Job;
using ActorCodistill.Coordinator.Tests.Distributed;

namespace ActorCodistill.Coordinator.Tests.Job;

/// <summary>
/// The coordinator's journal on PostgreSQL (Akka.Persistence.Sql, <c>persistence.journal.plugin = postgres</c>): a run
/// journals its history there, and a second run of the same name reads it back and refuses the finished job. Needs
/// CODISTILL_PG or the file deploy/pg-test.sh writes (deploy/run-tests.sh starts a throwaway PostgreSQL); without either
/// it fails saying so.
/// </summary>
[Trait("Category", "Integration")]
public class PostgresJournalTests
{
    [Fact]
    public async Task ARunOnThePostgresJournal_JournalsItsHistory_AndTheSameRunNameIsRefusedAsFinished()
    {
        var connection = Environment.GetEnvironmentVariable("CODISTILL_PG") is { Length: > 0 } set ? set
            : File.Exists("/tmp/codistill-pg/conn") ? File.ReadAllText("/tmp/codistill-pg/conn").Trim()
            : throw new InvalidOperationException("PostgreSQL not available: export CODISTILL_PG or run deploy/pg-test.sh start (deploy/run-tests.sh does)");
        var logDir = Path.Combine(Path.GetTempPath(), "codistill-pg-journal-" + Guid.NewGuid().ToString("N")[..8]);
        // Exact reloads: step 5 waits for its teacher's copy of step 4, so distillation is on by the end whatever the pace.
        var configPath = ClusterRunTests.TinyClusterConfig(logDir, ClusterRunTests.FreePort(),
            "training { steps = 6, burn-in-steps = 2, eval-interval = 6, print-every = 6, reload-mode = exact }\npersistence.journal.plugin = postgres");
        var runName = "pg-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            var result = TrainCommand.Run(new TrainCommand.Options(configPath, false, new Dictionary<string, string?>(), runName), TextWriter.Null);
            Assert.True(result.Summary.Completed);
            Assert.False(File.Exists(Path.Combine(result.RunDirectory, "journal.db")), "the journal went to SQLite, not PostgreSQL");

            var journal = JobJournal.AkkaConfig(new ActorCodistill.Cluster.Persistence.PersistenceSettings("postgres", PostgresConnectionString: connection));
            var reader = EmbeddedHosting.Start("pg-reader", akka: journal);
            try
            {
                var events = JobJournal.Read(reader, runName);
                Assert.IsType<JobStarted>(events[0]);
                Assert.Contains(events, e => e is DistillationEnabled);
                Assert.IsType<JobFinished>(events[^1]);
            }
            finally
            {
                await reader.Terminate().WaitAsync(TimeSpan.FromSeconds(30));
            }

            var again = Assert.Throws<ArgumentException>(() =>
                TrainCommand.Run(new TrainCommand.Options(configPath, false, new Dictionary<string, string?>(), runName), TextWriter.Null));
            Assert.Contains("holds a finished job", again.Message);
        }
        finally
        {
            try { Directory.Delete(logDir, recursive: true); } catch (IOException) { }
        }
    }
}
