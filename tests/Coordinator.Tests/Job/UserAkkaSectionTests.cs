using ActorCodistill.Cluster.Bootstrap;
using ActorCodistill.Cluster.Configuration;
using ActorCodistill.Coordinator.Embedded;
using ActorCodistill.Coordinator.Job;

namespace ActorCodistill.Coordinator.Tests.Job;

/// <summary>
/// An Akka.NET user's own <c>akka { }</c> section in the product's configuration reaches the node's ActorSystem and
/// wins over what the product sets (the ask timeout it maps from actor.ask-timeout, the journal plugin), lists
/// included; the product's unknown-key check lets the section through.
/// </summary>
[Trait("Category", "Unit")]
public class UserAkkaSectionTests
{
    [Fact]
    public async Task TheUsersAkkaSection_ReachesTheActorSystem_AndWinsOverTheProductsSettings()
    {
        var path = Path.Combine(Path.GetTempPath(), $"user-akka-{Guid.NewGuid():N}.conf");
        await File.WriteAllTextAsync(path, """
            actor.ask-timeout = 5s
            akka {
              actor.ask-timeout = 42s
              cluster.roles = [trainer, "gpu box"]
              persistence.journal.plugin = "my.journal"
              some-plugin { "key.with.dots" = "a \"quoted\" value" }
            }
            """);
        try
        {
            var config = ConfigLoader.Load(path, new Dictionary<string, string?>());
            var system = EmbeddedHosting.Instance.StartSystem(config, TextWriter.Null, JobJournal.AkkaConfig(null));
            try
            {
                Assert.Equal(TimeSpan.FromSeconds(42), system.Settings.AskTimeout);
                Assert.Equal(["trainer", "gpu box"], system.Settings.Config.GetStringList("akka.cluster.roles"));
                Assert.Equal("my.journal", system.Settings.Config.GetString("akka.persistence.journal.plugin"));
                Assert.Equal("a \"quoted\" value", system.Settings.Config.GetString("akka.some-plugin.\"key.with.dots\""));
            }
            finally
            {
                await system.Terminate().WaitAsync(TimeSpan.FromSeconds(10));
            }
            // Without a section the product's settings hold.
            Assert.Null(AkkaSettings.OnTop(AkkaSettings.UserSection(ConfigLoader.Load(null, new Dictionary<string, string?>())), null));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
