using Microsoft.Extensions.Configuration;

namespace ActorCodistill.Cluster.Configuration;

public sealed record TlsSettings(bool Enabled, string Certificate, string Key);

public sealed record BackoffSettings(TimeSpan Min, TimeSpan Max);

/// <summary>The <c>remote { }</c> section: how this node listens and talks to peers.</summary>
public sealed record RemoteSettings(
    string Hostname,
    int Port,
    string Secret,
    TlsSettings Tls,
    long MaximumFrameSize,
    long BulkChunkSize,
    int BulkWindow,
    TimeSpan ConnectTimeout,
    BackoffSettings ReconnectBackoff)
{
    public static RemoteSettings From(IConfiguration configuration, bool requireSecret = false) =>
        Bind(new SettingsReader(configuration), requireSecret);

    /// <param name="requireSecret">True for cluster nodes: an empty <c>remote.secret</c> then stops start-up.</param>
    public static RemoteSettings Bind(SettingsReader config, bool requireSecret = false)
    {
        var remote = config.At("remote");
        var secret = remote.GetString("secret");
        if (requireSecret && secret.Length == 0)
        {
            throw remote.Error("secret", "a shared secret for cluster nodes (set remote.secret or the CODISTILL_SECRET environment variable)",
                "empty secret");
        }

        var tls = remote.At("tls");
        var tlsEnabled = tls.GetBool("enabled");
        var tlsSettings = new TlsSettings(tlsEnabled,
            tlsEnabled ? tls.GetString("certificate", allowEmpty: false) : tls.GetString("certificate"),
            tlsEnabled ? tls.GetString("key", allowEmpty: false) : tls.GetString("key"));

        var frame = remote.GetSize("maximum-frame-size", min: 1024, max: int.MaxValue);
        var chunk = remote.GetSize("bulk-chunk-size", min: 1024, max: int.MaxValue);
        if (chunk > frame)
        {
            throw remote.Error("bulk-chunk-size", $"at most remote.maximum-frame-size ({frame} bytes)", "chunk larger than a frame");
        }

        var backoff = remote.At("reconnect-backoff");
        var min = backoff.GetDuration("min", min: TimeSpan.FromMilliseconds(1));
        var max = backoff.GetDuration("max", min: TimeSpan.FromMilliseconds(1));
        if (max < min)
        {
            throw backoff.Error("max", $"at least remote.reconnect-backoff.min ({min.TotalMilliseconds}ms)", "maximum below minimum");
        }

        return new RemoteSettings(
            remote.GetString("hostname", allowEmpty: false),
            remote.GetInt("port", min: 0, max: 65535),
            secret,
            tlsSettings,
            frame,
            chunk,
            remote.GetInt("bulk-window", min: 1, max: 4096),
            remote.GetDuration("connect-timeout", min: TimeSpan.FromMilliseconds(1)),
            new BackoffSettings(min, max))
        {
            BulkChecksums = remote.GetBool("bulk-checksums"),
            DataPlanePort = remote.GetInt("data-plane-port", min: 0, max: 65535),
            BulkOutboxLimit = remote.GetSize("bulk-outbox-limit", min: 1024 * 1024, max: long.MaxValue),
        };
    }

    /// <summary>
    /// End-to-end checksums on bulk transfers (<c>remote.bulk-checksums</c>). Off by default in the configuration, as in
    /// Gloo, NCCL and Akka Artery, which rely on TCP (and TLS's MAC): on loopback they cost about a quarter of the
    /// channel's throughput (docs/remoting.md, Benchmark).
    /// </summary>
    public bool BulkChecksums { get; init; }

    /// <summary>Port of the tensor data plane (allreduce chunks, teacher copies, states); 0 = any free port (peers learn it over Akka.Remote).</summary>
    public int DataPlanePort { get; init; }

    /// <summary>Bytes of bulk messages queued or in flight per peer before a Tell becomes a dead letter (<c>remote.bulk-outbox-limit</c>).</summary>
    public long BulkOutboxLimit { get; init; } = Remote.RemoteSettings.DefaultMaxBulkOutboxBytes;

    /// <summary>
    /// The transport's settings record built from this validated view of the <c>remote { }</c> section: the one
    /// place where configuration keys meet the transport. All nodes of a cluster share <paramref name="systemName"/>.
    /// </summary>
    public Remote.RemoteSettings ToTransport(string systemName) => new()
    {
        SystemName = systemName,
        Hostname = Hostname,
        Port = Port,
        Secret = Secret,
        Tls = Tls.Enabled ? new Remote.RemoteTlsSettings { CertificatePemPath = Tls.Certificate, KeyPemPath = Tls.Key } : null,
        MaxFrameSize = checked((int)MaximumFrameSize),
        BulkChunkSize = checked((int)BulkChunkSize),
        BulkWindow = BulkWindow,
        BulkChecksums = BulkChecksums,
        MaxBulkOutboxBytes = BulkOutboxLimit,
        ConnectTimeout = ConnectTimeout,
        ReconnectBackoffMin = ReconnectBackoff.Min,
        ReconnectBackoffMax = ReconnectBackoff.Max,
    };

    /// <summary>Keeps the secret out of logs when the settings are printed at start-up.</summary>
    public override string ToString() =>
        $"RemoteSettings {{ Hostname = {Hostname}, Port = {Port}, Secret = {(Secret.Length == 0 ? "(empty)" : "***")}, Tls = {Tls}, " +
        $"MaximumFrameSize = {MaximumFrameSize}, BulkChunkSize = {BulkChunkSize}, BulkWindow = {BulkWindow}, BulkChecksums = {BulkChecksums}, BulkOutboxLimit = {BulkOutboxLimit}, " +
        $"ConnectTimeout = {ConnectTimeout}, ReconnectBackoff = {ReconnectBackoff} }}";
}
