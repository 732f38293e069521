using ActorCodistill.Cluster.Persistence;
using Microsoft.Extensions.Configuration;

namespace ActorCodistill.Cluster.Tests.Persistence;

[Trait("Category", "Unit")]
public sealed class PersistenceSettingsTests
{
    [Theory]
    [InlineData("cassandra")]
    [InlineData("")]
    public void PersistenceFactory_UnknownPlugin_ThrowsNamingPluginKey(string plugin)
    {
        var ex = Assert.Throws<PersistenceConfigurationException>(() => PersistenceFactory.Create(new PersistenceSettings(plugin, "/tmp/x.db", "Host=x")));
        Assert.Equal("persistence.journal.plugin", ex.Key);
        Assert.Contains("persistence.journal.plugin", ex.Message);
        Assert.Contains($"'{plugin}'", ex.Message);
    }

    [Fact]
    public void PersistenceFactory_UnknownSnapshotPlugin_ThrowsNamingSnapshotPluginKey()
    {
        var ex = Assert.Throws<PersistenceConfigurationException>(() =>
            PersistenceFactory.Create(new PersistenceSettings("sqlite", "/tmp/x.db") { SnapshotPlugin = "redis" }));
        Assert.Equal("persistence.snapshot-store.plugin", ex.Key);
    }

    [Fact]
    public void PersistenceFactory_SqliteSnapshotsBesidePostgresJournalWithoutPath_ThrowsNamingPathKey()
    {
        var ex = Assert.Throws<PersistenceConfigurationException>(() =>
            PersistenceFactory.Create(new PersistenceSettings("postgres", PostgresConnectionString: "Host=/nonexistent") { SnapshotPlugin = "sqlite" }));
        Assert.Equal("persistence.journal.sqlite.path", ex.Key);
    }

    [Fact]
    public void PersistenceFactory_SqliteWithoutPath_ThrowsNamingPathKey()
    {
        var ex = Assert.Throws<PersistenceConfigurationException>(() => PersistenceFactory.Create(new PersistenceSettings("sqlite")));
        Assert.Equal(PersistenceSettings.SqlitePathKey, ex.Key);
    }

    [Fact]
    public void PersistenceFactory_PostgresWithoutConnectionString_ThrowsNamingConnectionStringKey()
    {
        var ex = Assert.Throws<PersistenceConfigurationException>(() => PersistenceFactory.Create(new PersistenceSettings("postgres", SqlitePath: "/tmp/x.db")));
        Assert.Equal(PersistenceSettings.PostgresConnectionStringKey, ex.Key);
    }

    [Fact]
    public void PersistenceFactory_KeepZero_ThrowsNamingKeepKey()
    {
        var ex = Assert.Throws<PersistenceConfigurationException>(() => PersistenceFactory.Create(new PersistenceSettings("sqlite", "/tmp/x.db") { SnapshotKeep = 0 }));
        Assert.Equal(PersistenceSettings.SnapshotKeepKey, ex.Key);
    }

    [Fact]
    public async Task PersistenceFactory_SqlitePlugin_CreatesStoresSharingOneFile()
    {
        var directory = Path.Combine(Path.GetTempPath(), "codistill-sqlite-tests", Guid.NewGuid().ToString("N"));
        var path = Path.Combine(directory, "job.db");
        try
        {
            await using (var stores = PersistenceFactory.Create(new PersistenceSettings("SQLite", path)))
            {
                Assert.IsType<SqliteJournal>(stores.Journal);
                Assert.IsType<SqliteSnapshotStore>(stores.Snapshots);
                await stores.Journal.WriteAsync("job", [new JournalEvent(1, "m", [1], DateTimeOffset.UnixEpoch)], 0);
                await stores.Snapshots.SaveAsync("job", 1, "s", [2]);
            }
            await using var reopened = PersistenceFactory.Create(new PersistenceSettings("sqlite", path));
            Assert.Equal(1, await reopened.Journal.HighestSequenceNrAsync("job"));
            Assert.Equal(new byte[] { 2 }, (await reopened.Snapshots.LoadNewestAsync("job"))?.Payload);
        }
        finally
        {
            if (Directory.Exists(directory))
                Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void FromConfiguration_AllKeys_AreRead()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["persistence:journal:plugin"] = "postgres",
            ["persistence:journal:sqlite:path"] = "/var/lib/codistill/job.db",
            ["persistence:journal:postgres:connection-string"] = "Host=db;Username=u",
            ["persistence:journal:postgres:schema"] = "codistill",
            ["persistence:snapshot-store:plugin"] = "sqlite",
            ["persistence:snapshot-store:keep"] = "5",
        }).Build();

        var settings = PersistenceSettings.FromConfiguration(configuration);

        Assert.Equal(
            new PersistenceSettings("postgres", "/var/lib/codistill/job.db", "Host=db;Username=u") { SnapshotPlugin = "sqlite", PostgresSchema = "codistill", SnapshotKeep = 5 },
            settings);
    }

    [Fact]
    public void FromConfiguration_Empty_DefaultsToSqliteKeepingThree()
    {
        var settings = PersistenceSettings.FromConfiguration(new ConfigurationBuilder().Build());
        Assert.Equal(new PersistenceSettings("sqlite"), settings);
        Assert.Equal(3, settings.SnapshotKeep);
        Assert.Equal("public", settings.PostgresSchema);
    }

    [Theory]
    [InlineData("0", null)]
    [InlineData("1", 1)]
    public void FromConfiguration_Keep_ZeroMeansKeepAll(string text, int? expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["persistence:snapshot-store:keep"] = text }).Build();
        Assert.Equal(expected, PersistenceSettings.FromConfiguration(configuration).SnapshotKeep);
    }

    [Fact]
    public void FromConfiguration_KeepNotANumber_ThrowsNamingKeepKey()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["persistence:snapshot-store:keep"] = "three" }).Build();
        var ex = Assert.Throws<PersistenceConfigurationException>(() => PersistenceSettings.FromConfiguration(configuration));
        Assert.Equal(PersistenceSettings.SnapshotKeepKey, ex.Key);
        Assert.Contains("three", ex.Message);
    }
}
