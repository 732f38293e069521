using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace ActorCodistill.Cluster.Remote;

/// <summary>
/// Typed settings of the remoting layer. The HOCON binder builds this record; <see cref="Validate"/>
/// runs once in the <see cref="RemoteTransport"/> constructor so a bad value fails at start-up.
/// </summary>
public sealed record RemoteSettings
{
    /// <summary>Environment variable read by <see cref="SecretFromEnvironment"/> when the config has no secret.</summary>
    public const string SecretEnvironmentVariable = "CODISTILL_SECRET";

    public string SystemName { get; init; } = "codistill";
    public string Hostname { get; init; } = "127.0.0.1";
    /// <summary>0 binds an ephemeral port (tests); the bound port is returned by Start.</summary>
    public int Port { get; init; }
    /// <summary>Shared cluster secret; never logged (ToString redacts it).</summary>
    public string Secret { get; init; } = "";
    public RemoteTlsSettings? Tls { get; init; }
    /// <summary>Largest frame payload accepted; a peer announcing more is disconnected.</summary>
    public int MaxFrameSize { get; init; } = 4 * 1024 * 1024;
    /// <summary>Bytes of tensor payload per bulk-chunk frame.</summary>
    public int BulkChunkSize { get; init; } = 1024 * 1024;
    /// <summary>Credit window: chunks the sender may have in flight before the receiver acks.</summary>
    public int BulkWindow { get; init; } = 16;
    /// <summary>Largest single bulk transfer (one tensor or weight blob) a receiver will buffer.</summary>
    public long MaxBulkTransferSize { get; init; } = 1L << 30;

    /// <summary>
    /// Bytes of bulk messages the actor remoting layer keeps queued or in flight per peer node
    /// (<c>remote.bulk-outbox-limit</c>); a Tell beyond it becomes a dead letter with a warning instead of growing
    /// memory without bound behind a slow or stalled peer. At least <see cref="MaxBulkTransferSize"/> is always let in
    /// when the outbox is empty, so one message of the largest allowed size still goes.
    /// </summary>
    public long MaxBulkOutboxBytes { get; init; } = DefaultMaxBulkOutboxBytes;

    /// <summary>2 GiB: the default of <see cref="MaxBulkOutboxBytes"/> and of <c>remote.bulk-outbox-limit</c>.</summary>
    public const long DefaultMaxBulkOutboxBytes = 2L << 30;
    /// <summary>
    /// Checksum bulk payloads (default). Costs about one memory pass per side; turn off only on links that are
    /// already integrity-protected (TLS), since TCP's 16-bit checksum misses some corruption.
    /// </summary>
    public bool BulkChecksums { get; init; } = true;
    public int OutboundControlQueueSize { get; init; } = 100_000;
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>
    /// Inbound connections that may be in their handshake at once; more are closed at accept (logged at the first and
    /// every 100th), so a flood of half-open connections costs this node a bounded amount of memory.
    /// </summary>
    public int MaxPendingHandshakes { get; init; } = 64;
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan ReconnectBackoffMin { get; init; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan ReconnectBackoffMax { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Relative jitter (0..1) applied to each backoff delay so restarted nodes don't reconnect in lockstep.</summary>
    public double ReconnectBackoffJitter { get; init; } = 0.2;

    public byte[] SecretBytes() => Encoding.UTF8.GetBytes(Secret);

    public static string? SecretFromEnvironment() => Environment.GetEnvironmentVariable(SecretEnvironmentVariable);

    public RemoteAddress Address(int boundPort) => new(SystemName, Hostname, boundPort);

    public void Validate()
    {
        static void Require(bool ok, string key, string message)
        {
            if (!ok) throw new ArgumentException($"remote setting '{key}': {message}");
        }
        Require(!string.IsNullOrWhiteSpace(SystemName), "system-name", "must not be empty");
        Require(!string.IsNullOrWhiteSpace(Hostname), "hostname", "must not be empty");
        Require(Port is >= 0 and <= 65535, "port", $"must be 0..65535, was {Port}");
        Require(Encoding.UTF8.GetByteCount(Secret) >= 16, "secret",
            $"must be at least 16 bytes; set it in the config or the {SecretEnvironmentVariable} environment variable");
        Require(MaxFrameSize is >= 64 * 1024 and <= 256 * 1024 * 1024, "maximum-frame-size", $"must be 64KiB..256MiB, was {MaxFrameSize}");
        Require(BulkChunkSize >= 4096 && BulkChunkSize % 4096 == 0 && BulkChunkSize + Framing.FrameCodec.BulkChunkPrefixSize <= MaxFrameSize, "bulk-chunk-size",
            $"must be a multiple of 4096 and fit in maximum-frame-size ({MaxFrameSize}) with its {Framing.FrameCodec.BulkChunkPrefixSize}-byte prefix, was {BulkChunkSize}");
        Require(BulkWindow is >= 1 and <= 1024, "bulk-window", $"must be 1..1024 chunks, was {BulkWindow}");
        Require(MaxBulkTransferSize is >= 0 and <= 0x7FFFFFC7, "maximum-bulk-transfer-size", $"must be 0..{0x7FFFFFC7} (one .NET array), was {MaxBulkTransferSize}");
        Require(MaxBulkOutboxBytes > 0, "bulk-outbox-limit", $"must be positive, was {MaxBulkOutboxBytes}");
        Require(OutboundControlQueueSize >= 1, "outbound-control-queue-size", "must be positive");
        Require(HandshakeTimeout > TimeSpan.Zero, "handshake-timeout", "must be positive");
        Require(MaxPendingHandshakes is >= 1 and <= 100_000, "maximum-pending-handshakes", $"must be 1..100000, was {MaxPendingHandshakes}");
        Require(ConnectTimeout > TimeSpan.Zero, "connect-timeout", "must be positive");
        Require(HeartbeatInterval > TimeSpan.Zero, "heartbeat-interval", "must be positive");
        Require(ReconnectBackoffMin > TimeSpan.Zero && ReconnectBackoffMax >= ReconnectBackoffMin, "reconnect-backoff",
            "min must be positive and max >= min");
        Require(ReconnectBackoffJitter is >= 0 and < 1, "reconnect-backoff-jitter", "must be in [0, 1)");
        Tls?.Validate();
    }

    // Records print every property; the secret must never reach a log line.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"SystemName = {SystemName}, Hostname = {Hostname}, Port = {Port}, Secret = <redacted>, ");
        builder.Append($"Tls = {(Tls is null ? "off" : Tls.ToString())}, MaxFrameSize = {MaxFrameSize}, BulkChunkSize = {BulkChunkSize}, ");
        builder.Append($"BulkWindow = {BulkWindow}, BulkChecksums = {BulkChecksums}, HandshakeTimeout = {HandshakeTimeout}, HeartbeatInterval = {HeartbeatInterval}, ");
        builder.Append($"ReconnectBackoff = {ReconnectBackoffMin}..{ReconnectBackoffMax} (jitter {ReconnectBackoffJitter})");
        return true;
    }
}

/// <summary>
/// Optional TLS around both channels (mutual: each side presents its certificate). The peer is
/// trusted when its certificate's SHA-256 thumbprint equals <see cref="PinnedThumbprintSha256"/>,
/// or else when it chains to <see cref="CaCertificatePath"/>; with neither set every peer is refused.
/// </summary>
public sealed record RemoteTlsSettings
{
    public string? CertificatePemPath { get; init; }
    public string? KeyPemPath { get; init; }
    public string? CaCertificatePath { get; init; }
    public string? PinnedThumbprintSha256 { get; init; }
    /// <summary>An in-memory certificate with private key, used instead of the PEM files (tests, generated certs).</summary>
    public X509Certificate2? Certificate { get; init; }
    /// <summary>
    /// An in-memory cluster CA (e.g. the one derived from the cluster secret, ClusterCertificates.AuthorityFromSecret):
    /// a peer is trusted when its certificate chains to it; nodes are identified by their issuer, so no host name is
    /// checked.
    /// </summary>
    public X509Certificate2? Authority { get; init; }
    /// <summary>Host name the client asks for in SNI and checks against the certificate when validating by CA.</summary>
    public string TargetHost { get; init; } = "actorcodistill";

    public void Validate()
    {
        if (Certificate is null && (string.IsNullOrEmpty(CertificatePemPath) || string.IsNullOrEmpty(KeyPemPath)))
            throw new ArgumentException("remote setting 'tls': needs certificate-pem and key-pem (or an in-memory certificate)");
        if (string.IsNullOrEmpty(PinnedThumbprintSha256) && string.IsNullOrEmpty(CaCertificatePath) && Authority is null)
            throw new ArgumentException("remote setting 'tls': needs pinned-thumbprint-sha256 or ca-certificate, otherwise no peer could be trusted");
    }

    public X509Certificate2 LoadCertificate()
    {
        if (Certificate is not null) return Certificate;
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(CertificatePemPath!, KeyPemPath);
            // Re-import: on some platforms SslStream cannot use a PEM-loaded ephemeral key as server credential.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception e) when (e is IOException or System.Security.Cryptography.CryptographicException)
        {
            throw new ArgumentException($"remote setting 'tls': cannot load certificate '{CertificatePemPath}' / key '{KeyPemPath}': {e.Message}", e);
        }
    }
}
