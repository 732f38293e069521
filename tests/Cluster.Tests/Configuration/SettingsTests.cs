using System.Collections;
using ActorCodistill.Cluster.Configuration;
using Microsoft.Extensions.Configuration;

namespace ActorCodistill.Cluster.Tests.Configuration;

[Trait("Category", "Unit")]
public class SettingsTests
{
    private static IConfigurationRoot Reference(IDictionary<string, string?>? set = null) => ConfigLoader.Load(null, set, Fixtures.Environment());

    [Fact]
    public void ReferenceConf_BindsAllExampleSettingsWithDocumentedDefaults()
    {
        var config = Reference();
        var actor = ActorSystemSettings.From(config);
        var remote = RemoteSettings.From(config);
        var cluster = ClusterSettings.From(config);

        Assert.Equal(new ActorSystemSettings(new DispatcherSettings(10), new PinnedDispatcherSettings(100, "codistill-pinned"),
            new MailboxSettings(0, MailboxOverflow.DropNewest), TimeSpan.FromSeconds(5), ActorLogLevel.Info), actor);
        Assert.False(actor.Mailbox.IsBounded);

        Assert.Equal(("127.0.0.1", 0, ""), (remote.Hostname, remote.Port, remote.Secret));
        Assert.Equal(new TlsSettings(false, "", ""), remote.Tls);
        Assert.Equal((4L * 1024 * 1024, 1024L * 1024, 8), (remote.MaximumFrameSize, remote.BulkChunkSize, remote.BulkWindow));
        Assert.Equal(TimeSpan.FromSeconds(5), remote.ConnectTimeout);
        Assert.Equal(new BackoffSettings(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10)), remote.ReconnectBackoff);

        Assert.Empty(cluster.SeedNodes);
        Assert.Empty(cluster.Roles);
        Assert.Equal(TimeSpan.FromSeconds(5), cluster.SeedNodeTimeout);
        Assert.Equal(new FailureDetectorSettings(TimeSpan.FromSeconds(1), 8.0, TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(100)),
            cluster.FailureDetector);
        Assert.Equal(new DowningSettings(DowningStrategy.KeepMajority, TimeSpan.FromSeconds(20)), cluster.Downing);
    }

    [Fact]
    public void ReferenceConf_TrainingKeysReadThroughSettingsReader()
    {
        var training = new SettingsReader(Reference()).At("training");
        Assert.Equal(50, training.GetInt("reload-interval", min: 1));
        Assert.Equal(0.002, training.GetDouble("learning-rate", min: 0, minExclusive: true));
        Assert.Equal("cross-entropy", training.At("distill").GetOneOf("loss", "cross-entropy", "kl", "squared-error"));
        Assert.True(new SettingsReader(Reference()).GetBool("model.lstm-lm.layer-norm"));
    }

    [Fact]
    public void BadIntegerInFile_ErrorNamesFilePositionKeyAndValue()
    {
        var config = ConfigLoader.Load(Fixtures.Path("user-bad.conf"), null, Fixtures.Environment());
        var e = Assert.Throws<ConfigException>(() => new SettingsReader(config).GetInt("training.reload-interval", min: 1));
        Assert.StartsWith($"{Fixtures.Path("user-bad.conf")}:2:21: ", e.Message);
        Assert.Contains("'training.reload-interval' = '-3'", e.Message);
        Assert.Contains("expected an integer >= 1", e.Message);
        Assert.Equal(("training.reload-interval", "-3"), (e.Key, e.Value));
    }

    [Fact]
    public void BananaThreshold_BindingClusterSettingsFailsWithPosition()
    {
        var config = ConfigLoader.Load(Fixtures.Path("user-bad.conf"), null, Fixtures.Environment());
        var e = Assert.Throws<ConfigException>(() => ClusterSettings.From(config));
        Assert.StartsWith($"{Fixtures.Path("user-bad.conf")}:5:15: ", e.Message);
        Assert.Contains("'cluster.failure-detector.threshold' = 'banana': not a number (expected a number > 0)", e.Message);
    }

    [Fact]
    public void DurationWithoutUnit_IsRejectedNotGuessed()
    {
        var config = ConfigLoader.Load(Fixtures.Path("user-bad.conf"), null, Fixtures.Environment());
        var e = Assert.Throws<ConfigException>(() => ActorSystemSettings.From(config));
        Assert.Contains("user-bad.conf:7:21", e.Message);
        Assert.Contains("actor.ask-timeout", e.Message);
        Assert.Contains("no unit", e.Message);
    }

    [Fact]
    public void BadValueFromCommandLine_ErrorNamesCommandLine()
    {
        var e = Assert.Throws<ConfigException>(() => RemoteSettings.From(Reference(new Dictionary<string, string?> { ["remote.port"] = "70000" })));
        Assert.StartsWith("command line --set remote.port=70000: configuration key 'remote.port' = '70000': out of range", e.Message);
        Assert.Contains("between 0 and 65535", e.Message);
    }

    [Fact]
    public void BadValueFromEnvironment_ErrorNamesVariable()
    {
        var env = Fixtures.Environment(("CODISTILL__actor__mailbox__overflow", "explode"));
        var e = Assert.Throws<ConfigException>(() => ActorSystemSettings.From(ConfigLoader.Load(null, null, env)));
        Assert.StartsWith("env CODISTILL__actor__mailbox__overflow: configuration key 'actor.mailbox.overflow' = 'explode'", e.Message);
        Assert.Contains("one of drop-newest", e.Message);
    }

    [Fact]
    public void EmptySecret_RequiredForClusterNode_PointsAtReference()
    {
        var e = Assert.Throws<ConfigException>(() => RemoteSettings.From(Reference(), requireSecret: true));
        Assert.Contains("reference.conf:", e.Message);
        Assert.Contains("CODISTILL_SECRET", e.Message);
    }

    [Fact]
    public void CrossFieldChecks_NameTheOffendingKey()
    {
        var chunk = Assert.Throws<ConfigException>(() => RemoteSettings.From(Reference(new Dictionary<string, string?> { ["remote.bulk-chunk-size"] = "8 MiB" })));
        Assert.Equal("remote.bulk-chunk-size", chunk.Key);
        var backoff = Assert.Throws<ConfigException>(() => RemoteSettings.From(Reference(new Dictionary<string, string?> { ["remote.reconnect-backoff.max"] = "100ms" })));
        Assert.Equal("remote.reconnect-backoff.max", backoff.Key);
        var tls = Assert.Throws<ConfigException>(() => RemoteSettings.From(Reference(new Dictionary<string, string?> { ["remote.tls.enabled"] = "on" })));
        Assert.Equal("remote.tls.certificate", tls.Key);
    }

    [Fact]
    public void SeedNodes_FromFileAndCommaSeparatedOverride_AreValidated()
    {
        var fromFile = ClusterSettings.From(ConfigLoader.Load(Fixtures.Path("user.conf"), null, Fixtures.Environment()));
        Assert.Equal(["127.0.0.1:4053", "127.0.0.1:4054"], fromFile.SeedNodes);
        Assert.Equal(["worker"], fromFile.Roles);

        var fromFlag = ClusterSettings.From(Reference(new Dictionary<string, string?> { ["cluster.roles"] = "worker, gpu" }));
        Assert.Equal(["worker", "gpu"], fromFlag.Roles);

        var bad = Assert.Throws<ConfigException>(() => ClusterSettings.From(Reference(new Dictionary<string, string?> { ["cluster.seed-nodes.0"] = "host:http" })));
        Assert.Equal("cluster.seed-nodes.0", bad.Key);
    }

    [Fact]
    public void MissingKey_SaysItIsMissing()
    {
        var reader = new SettingsReader(new ConfigurationBuilder().AddHoconString("a = 1", "x.conf", new Hashtable()).Build());
        var e = Assert.Throws<ConfigException>(() => reader.GetInt("b.c"));
        Assert.Null(e.Origin);
        Assert.Contains("'b.c' is missing", e.Message);
        var obj = Assert.Throws<ConfigException>(() => new SettingsReader(Reference()).GetString("remote.tls"));
        Assert.Contains("an object or list where a single value belongs", obj.Message);
    }
}
