using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.Persistence;
using ActorCodistill.TestKit;
using Microsoft.Extensions.Configuration;

namespace ActorCodistill.Cluster.Tests.Persistence;

[Trait("Category", "Unit")]
public sealed class PersistenceExtensionTests : ActorTestKit
{
    [Fact]
    public void Get_NothingRegistered_ThrowsSayingWhatToCall()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => PersistenceExtension.Get(Sys));

        Assert.Contains("'test'", ex.Message);
        Assert.Contains("PersistenceExtension.Register", ex.Message);
    }

    [Fact]
    public void PersistentActor_NoPersistenceRegistered_FailsToStartAndIsStopped()
    {
        var probe = CreateTestProbe();
        var actor = ActorOf(CounterActor.Props("p", probe.Ref));
        probe.Watch(actor);

        probe.ExpectTerminated(actor);
        AwaitAssert(() => Assert.Contains(LogSink.Events, e => e.Exception?.ToString().Contains("no persistence registered") == true));
    }

    [Fact]
    public async Task Register_FromPersistenceSection_UsesConfiguredSqliteFileAndRejectsSecondRegistration()
    {
        var directory = Path.Combine(Path.GetTempPath(), "codistill-ext-tests", Guid.NewGuid().ToString("N"));
        var path = Path.Combine(directory, "j.db");
        try
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["persistence:journal:plugin"] = "sqlite",
                ["persistence:journal:sqlite:path"] = path,
            }).Build();

            var extension = PersistenceExtension.Register(Sys, configuration);
            await extension.Journal.WriteAsync("id", [new JournalEvent(1, "m", [1], DateTimeOffset.UnixEpoch)], 0);

            Assert.Same(extension, PersistenceExtension.Get(Sys));
            Assert.Equal(path, Assert.IsType<SqliteJournal>(extension.Journal).Path);
            Assert.Throws<InvalidOperationException>(() => PersistenceExtension.Register(Sys, configuration));
        }
        finally
        {
            await Sys.Terminate();
            if (Directory.Exists(directory))
                Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Register_UnknownPlugin_ThrowsNamingTheKey()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["persistence:journal:plugin"] = "cassandra",
        }).Build();

        var ex = Assert.Throws<PersistenceConfigurationException>(() => PersistenceExtension.Register(Sys, configuration));
        Assert.Equal(PersistenceSettings.PluginKey, ex.Key);
        Assert.False(PersistenceExtension.TryGet(Sys, out _));
    }
}
