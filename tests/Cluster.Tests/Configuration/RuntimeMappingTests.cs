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

    [Theory]
    [InlineData("drop-oldest")]
    [InlineData("fail")] // the own runtime's "Tell throws": Akka.NET has no such mailbox
    public void AnOverflowAkkaCannotDo_IsRefusedNamingTheKey(string overflow)
    {
        var e = Assert.Throws<ConfigException>(() => ActorSystemSettings.From(Load(new Dictionary<string, string?> { ["actor.mailbox.overflow"] = overflow })));
        Assert.Contains("actor.mailbox.overflow", e.Message);
    }

    private sealed class Blocked : Akka.Actor.ReceiveActor
    {
        public Blocked(ManualResetEventSlim gate) => ReceiveAny(_ => gate.Wait(TimeSpan.FromSeconds(10)));
    }

    /// <summary>Messages that went to dead letters while an actor on the product's mailbox, in a system with these settings, was busy and 30 more were told to it.</summary>
    private static int DeadLettersWhileBusy(IDictionary<string, string?> set)
    {
        var options = AkkaSettings.Local("mailbox-test", ActorSystemSettings.From(Load(set)));
        using var system = AkkaNode.Start(options);
        var dead = 0;
        var listener = system.ActorOf(Akka.Actor.Props.Create(() => new Counter(() => Interlocked.Increment(ref dead))));
        system.EventStream.Subscribe(listener, typeof(Akka.Event.DeadLetter));
        using var gate = new ManualResetEventSlim(false);
        var busy = system.ActorOf(Akka.Actor.Props.Create(() => new Blocked(gate)).WithMailbox(AkkaNodeOptions.ProductMailbox));
        busy.Tell(0, Akka.Actor.ActorRefs.NoSender);
        Thread.Sleep(200);
        for (var i = 1; i <= 30; i++) busy.Tell(i, Akka.Actor.ActorRefs.NoSender);
        Thread.Sleep(500);
        gate.Set();
        system.Terminate().Wait(TimeSpan.FromSeconds(10));
        return Volatile.Read(ref dead);
    }

    private sealed class Counter : Akka.Actor.ReceiveActor
    {
        public Counter(Action count) => Receive<Akka.Event.DeadLetter>(d => d.Message is int, _ => count());
    }

    [Fact]
    public void MailboxCapacity_BoundsTheTrainingActorsMailbox_TheOverflowGoesToDeadLetters_AndAkkasOwnActorsStart()
    {
        Assert.Equal(0, DeadLettersWhileBusy(new Dictionary<string, string?>()));
        // 30 told while the actor works on the first: 10 fit, 20 go to dead letters at once.
        Assert.Equal(20, DeadLettersWhileBusy(new Dictionary<string, string?> { ["actor.mailbox.capacity"] = "10" }));
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
