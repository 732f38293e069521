using ActorCodistill.Cluster.Persistence;
using Microsoft.Extensions.Configuration;

namespace ActorCodistill.Cluster.Tests.Persistence;

[Trait("Category", "Unit")]
public sealed class PersistenceSettingsTests
{
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
