using ActorCodistill.Cluster.Bootstrap;
using ActorCodistill.Cluster.Configuration;
using Microsoft.Extensions.Configuration;

namespace ActorCodistill.Cluster.Tests.Configuration;

/// <summary>The validated configuration views map onto the options the Akka node and the data plane's transport take.</summary>
[Trait("Category", "Unit")]
public class RuntimeMappingTests
{
    private static IConfigurationRoot Load(IDictionary<string, string?> set) => ConfigLoader.Load(null, set, Fixtures.Environment());

    [Fact]
    public void ActorSection_MapsOntoTheAkkaNodeOptions()
    {
        var node = AkkaSettings.Local("codistill", ActorSystemSettings.From(Load(new Dictionary<string, string?>
        {
            ["actor.default-dispatcher.throughput"] = "7",
            ["actor.pinned-dispatcher.throughput"] = "3",
            ["actor.ask-timeout"] = "750ms",
            ["actor.log-level"] = "debug",
        })));

        Assert.Equal((7, 3), (node.Throughput, node.PinnedThroughput));
        Assert.Equal(TimeSpan.FromMilliseconds(750), node.AskTimeout);
        Assert.Equal("DEBUG", node.LogLevel);
        Assert.Equal(NodeProvider.Local, node.Provider);
    }

    [Fact]
    public void DropOldest_IsRefusedNamingTheKey()
    {
        var e = Assert.Throws<ConfigException>(() => ActorSystemSettings.From(Load(new Dictionary<string, string?> { ["actor.mailbox.overflow"] = "drop-oldest" })));
        Assert.Contains("actor.mailbox.overflow", e.Message);
    }

    [Fact]
    public void RemoteSection_MapsOntoTheTransportSettings_AndValidates()
    {
        var transport = RemoteSettings.From(Load(new Dictionary<string, string?>
        {
            ["remote.port"] = "4053",
            ["remote.secret"] = "a-secret-of-at-least-16-bytes",
            ["remote.bulk-window"] = "4",
            ["remote.reconnect-backoff.max"] = "3s",
        })).ToTransport("codistill");

        Assert.Equal(("codistill", "127.0.0.1", 4053), (transport.SystemName, transport.Hostname, transport.Port));
        Assert.Equal("a-secret-of-at-least-16-bytes", transport.Secret);
        Assert.Equal((4 * 1024 * 1024, 1024 * 1024, 4), (transport.MaxFrameSize, transport.BulkChunkSize, transport.BulkWindow));
        Assert.Equal((TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(3)), (transport.ReconnectBackoffMin, transport.ReconnectBackoffMax));
        Assert.Null(transport.Tls);
        transport.Validate();
    }

    [Fact]
    public void BulkOutboxLimit_Is2GiBByDefault_ReachesTheTransport_AndATooSmallOneNamesTheKey()
    {
        Assert.Equal(2L << 30, RemoteSettings.From(Load(new Dictionary<string, string?>())).ToTransport("codistill").MaxBulkOutboxBytes);
        Assert.Equal(64L << 20, RemoteSettings.From(Load(new Dictionary<string, string?> { ["remote.bulk-outbox-limit"] = "64 MiB" })).ToTransport("codistill").MaxBulkOutboxBytes);
        var e = Assert.Throws<ConfigException>(() => RemoteSettings.From(Load(new Dictionary<string, string?> { ["remote.bulk-outbox-limit"] = "1 KiB" })));
        Assert.Contains("remote.bulk-outbox-limit", e.Message);
    }

    [Fact]
    public void BulkChecksums_AreOffByDefault_AndOnWhenConfigured()
    {
        Assert.False(RemoteSettings.From(Load(new Dictionary<string, string?>())).ToTransport("codistill").BulkChecksums);
        Assert.True(RemoteSettings.From(Load(new Dictionary<string, string?> { ["remote.bulk-checksums"] = "on" })).ToTransport("codistill").BulkChecksums);
        var e = Assert.Throws<ConfigException>(() => RemoteSettings.From(Load(new Dictionary<string, string?> { ["remote.bulk-checksums"] = "sometimes" })));
        Assert.Contains("remote.bulk-checksums", e.Message);
    }
}
