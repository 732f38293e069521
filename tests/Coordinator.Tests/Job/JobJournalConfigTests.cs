using ActorCodistill.Cluster.Persistence;
using ActorCodistill.Coordinator.Job;

namespace ActorCodistill.Coordinator.Tests.Job;

/// <summary>The product's persistence keys as the Akka.Persistence configuration of the coordinator's journal.</summary>
[Trait("Category", "Unit")]
public class JobJournalConfigTests
{
    [Fact]
    public void Sqlite_IsAkkaPersistenceSql_OnTheFile_WithTheJobEventsSerializer()
    {
        var config = JobJournal.AkkaConfig(new PersistenceSettings("sqlite", "/runs/a b/journal.db"));
        Assert.Equal("akka.persistence.journal.sql", config.GetString("akka.persistence.journal.plugin"));
        Assert.Equal("Data Source=/runs/a b/journal.db", config.GetString("akka.persistence.journal.sql.connection-string"));
        Assert.Equal("SQLite.MS", config.GetString("akka.persistence.journal.sql.provider-name"));
        Assert.Equal("Akka.Persistence.Sql.Journal.SqlWriteJournal, Akka.Persistence.Sql", config.GetString("akka.persistence.journal.sql.class"));
        Assert.Equal("job-event", config.GetString("akka.actor.serialization-bindings.\"ActorCodistill.Coordinator.Job.JobEvent, ActorCodistill.Coordinator\""));
    }

    [Fact]
    public void Postgres_TakesTheConnectionStringAndSchema_AndWithoutAConnectionStringNamesTheKey()
    {
        var config = JobJournal.AkkaConfig(new PersistenceSettings("postgres", PostgresConnectionString: "Host=db;Username=u") { PostgresSchema = "runs" });
        Assert.Equal("PostgreSQL.15", config.GetString("akka.persistence.journal.sql.provider-name"));
        Assert.Equal("Host=db;Username=u", config.GetString("akka.persistence.journal.sql.connection-string"));
        Assert.Equal("runs", config.GetString("akka.persistence.journal.sql.default.schema-name"));
        var e = Assert.Throws<ArgumentException>(() => JobJournal.AkkaConfig(new PersistenceSettings("postgres")));
        Assert.Contains("persistence.journal.postgres.connection-string", e.Message);
    }

    [Fact]
    public void None_IsAkkasInMemoryJournal()
    {
        Assert.Equal("akka.persistence.journal.inmem", JobJournal.AkkaConfig(new PersistenceSettings("none")).GetString("akka.persistence.journal.plugin"));
        Assert.Equal("akka.persistence.journal.inmem", JobJournal.AkkaConfig(null).GetString("akka.persistence.journal.plugin"));
    }

    [Fact]
    public async Task JobEvents_RoundTripThroughTheirSerializer_WithTheirNameAsManifest()
    {
        var system = Embedded.EmbeddedHosting.Start("serializer-test", akka: JobJournal.AkkaConfig(null));
        try
        {
            JobEvent e = new JobFinished(new Dictionary<int, long> { [0] = 300, [1] = 299 });
            var serializer = Assert.IsType<JobEventSerializer>(system.Serialization.FindSerializerFor(e));
            Assert.Equal("JobFinished", serializer.Manifest(e));
            var back = Assert.IsType<JobFinished>(serializer.FromBinary(serializer.ToBinary(e), "JobFinished"));
            Assert.Equal(300, back.GroupSteps[0]);
        }
        finally
        {
            await system.Terminate().WaitAsync(TimeSpan.FromSeconds(10));
        }
    }
}
