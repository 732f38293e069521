using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ActorCodistill.Cluster.Remote.FailureDetection;
using ActorCodistill.Cluster.Remote.Framing;
using ActorCodistill.Cluster.Remote.Protocol;

namespace ActorCodistill.Cluster.Remote;

/// <summary>
/// TCP remoting for one node. Each peer pair uses two connections per direction: a control channel (envelopes,
/// heartbeats) and a bulk channel (tensor transfers with credit flow control), so tens of MB of weights never
/// queue in front of a heartbeat. Connections are opened by the sender (Akka Artery's shape): an outbound
/// connection carries our messages, the peer answers heartbeats and bulk acks on the same socket, and the peer's
/// own messages come over the connection it opens to us.
/// </summary>
public sealed class RemoteTransport : IAsyncDisposable
{
    private readonly byte[] _secret;
    private readonly Random _random;
    private readonly object _gate = new();
    private readonly CancellationTokenSource _shutdown = new();
    private readonly ConcurrentDictionary<RemoteAddress, RemoteEndpoint> _endpoints = new();
    private readonly ConcurrentDictionary<FrameConnection, byte> _inbound = new();
    private readonly ConcurrentDictionary<UniqueRemoteAddress, string> _quarantined = new();
    private readonly ConcurrentDictionary<RemoteAddress, ulong> _knownUids = new();
    // Inbound connections that have not finished the handshake, bounded by maximum-pending-handshakes.
    private int _pendingHandshakes;
    private long _handshakesRefusedBusy;
    private readonly X509Certificate2? _certificate;
    private readonly X509Certificate2? _caCertificate;
    private HeartbeatSenderState _heartbeatState = HeartbeatSenderState.Empty;
    private Socket? _listener;
    private Task? _acceptLoop;
    private ITimer? _heartbeatTimer;
    private IInboundHandler? _handler;
    private UniqueRemoteAddress? _local;

    public RemoteTransport(RemoteSettings settings, IRemoteLogSink? log = null, TimeProvider? timeProvider = null, ulong? uid = null, Random? random = null)
    {
        settings.Validate();
        Settings = settings;
        LogSink = log ?? RemoteLogSink.Null;
        Time = timeProvider ?? TimeProvider.System;
        Uid = uid ?? BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8)) | 1;
        _random = random ?? new Random();
        _secret = settings.SecretBytes();
        if (settings.Tls is { } tls)
        {
            _certificate = tls.LoadCertificate();
            _caCertificate = tls.Authority;
            if (_caCertificate is null && !string.IsNullOrEmpty(tls.CaCertificatePath))
            {
                try
                {
                    _caCertificate = X509CertificateLoader.LoadCertificateFromFile(tls.CaCertificatePath);
                }
                catch (CryptographicException e)
                {
                    throw new ArgumentException($"remote setting 'tls.ca-certificate': cannot load '{tls.CaCertificatePath}': {e.Message}", e);
                }
            }
        }
        FailureDetectors = new DefaultFailureDetectorRegistry<RemoteAddress>(() =>
            new PhiAccrualFailureDetector(Time, firstHeartbeatEstimate: settings.HeartbeatInterval));
    }

    public RemoteSettings Settings { get; }
    public TimeProvider Time { get; }
    /// <summary>This incarnation's uid, chosen at start: a restarted node is a different peer.</summary>
    public ulong Uid { get; }
    public DefaultFailureDetectorRegistry<RemoteAddress> FailureDetectors { get; }
    internal IRemoteLogSink LogSink { get; }
    internal byte[] Secret => _secret;
    internal CancellationToken ShutdownToken => _shutdown.Token;

    public UniqueRemoteAddress LocalAddress => _local ?? throw new InvalidOperationException("remote transport not started");

    public event Action<AssociationEvent>? AssociationChanged;

    /// <summary>A heartbeat response from a peer's control channel: (peer, sequence number, round trip).</summary>
    public event Action<RemoteAddress, long, TimeSpan>? HeartbeatResponse;

    public UniqueRemoteAddress Start(IInboundHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_gate)
        {
            if (_listener is not null) throw new InvalidOperationException("remote transport already started");
            _handler = handler;
            var ip = IPAddress.TryParse(Settings.Hostname, out var parsed) ? parsed : Dns.GetHostAddresses(Settings.Hostname)[0];
            var listener = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                listener.Bind(new IPEndPoint(ip, Settings.Port));
                listener.Listen(512);
            }
            catch (SocketException e)
            {
                listener.Dispose();
                throw new InvalidOperationException($"remote transport cannot listen on {Settings.Hostname}:{Settings.Port} (settings 'hostname'/'port'): {e.Message}", e);
            }
            _listener = listener;
            _local = new UniqueRemoteAddress(Settings.Address(((IPEndPoint)listener.LocalEndPoint!).Port), Uid);
            _acceptLoop = AcceptLoopAsync(listener);
            // A timer callback on the pool, not a message in any queue: bulk traffic cannot hold it back.
            _heartbeatTimer = Time.CreateTimer(_ => OnHeartbeatTick(), null, Settings.HeartbeatInterval, Settings.HeartbeatInterval);
        }
        Log(RemoteLogLevel.Info, $"remoting started on {_local} ({Settings})");
        return _local;
    }

    /// <summary>
    /// The endpoint for <paramref name="remote"/>. With <paramref name="control"/> the first call starts associating the
    /// control channel (with reconnect backoff, heartbeats, failure detection); without it the endpoint only opens its
    /// bulk channel when a transfer needs it, and never reconnects on its own (the Akka data plane: Akka.Cluster
    /// detects failures).
    /// </summary>
    public RemoteEndpoint GetOrConnect(RemoteAddress remote, bool control = true)
    {
        ArgumentNullException.ThrowIfNull(remote);
        if (_endpoints.TryGetValue(remote, out var existing)) return existing;
        lock (_gate)
        {
            if (_local is null) throw new InvalidOperationException("remote transport not started");
            ObjectDisposedException.ThrowIf(_shutdown.IsCancellationRequested, this);
            if (_endpoints.TryGetValue(remote, out existing)) return existing;
            var endpoint = new RemoteEndpoint(this, remote, new Random(_random.Next()));
            _endpoints[remote] = endpoint;
            if (control) endpoint.Start();
            return endpoint;
        }
    }

    /// <summary>
    /// Closes and forgets the endpoint for <paramref name="remote"/> (the node left the cluster): its transfers still
    /// queued fail, and a later <see cref="GetOrConnect"/> starts afresh.
    /// </summary>
    public async Task ForgetAsync(RemoteAddress remote)
    {
        if (_endpoints.TryRemove(remote, out var endpoint)) await endpoint.DisposeAsync().ConfigureAwait(false);
    }

    public bool IsAvailable(RemoteAddress peer) => FailureDetectors.IsAvailable(peer);

    /// <summary>Inbound connections in their handshake now (bounded by maximum-pending-handshakes).</summary>
    public int PendingHandshakes => Volatile.Read(ref _pendingHandshakes);

    internal void Log(RemoteLogLevel level, string message)
    {
        try
        {
            LogSink.Log(level, message);
        }
        catch (Exception)
        {
            // A broken log sink must not take a connection down with it.
        }
    }

    internal void Raise(AssociationEvent e)
    {
        try
        {
            AssociationChanged?.Invoke(e);
        }
        catch (Exception ex)
        {
            Log(RemoteLogLevel.Error, $"association listener threw on {e}: {ex.Message}");
        }
    }

    internal void OnAssociated(UniqueRemoteAddress peer, ChannelKind channel, bool inbound)
    {
        var previous = _knownUids.GetOrAdd(peer.Address, peer.Uid);
        if (previous != peer.Uid && _knownUids.TryUpdate(peer.Address, peer.Uid, previous))
        {
            Log(RemoteLogLevel.Warning, $"{peer.Address} restarted (uid {previous} -> {peer.Uid}); the old incarnation is quarantined");
            _quarantined.TryAdd(new UniqueRemoteAddress(peer.Address, previous), "restarted");
            Raise(new Quarantined(peer.Address, previous, "peer restarted with a new uid"));
        }
        if (channel == ChannelKind.Control && !inbound)
        {
            lock (_gate) _heartbeatState = _heartbeatState.AddReceiver(peer.Address.ToString());
        }
        Log(RemoteLogLevel.Info, $"associated with {peer} ({channel}, {(inbound ? "inbound" : "outbound")})");
        Raise(new Associated(peer.Address, peer.Uid, channel, inbound));
    }

    internal void OnDisassociated(RemoteAddress peer, ChannelKind channel, bool inbound, string reason)
    {
        var level = reason is "shut down" or "closed" or "peer closed the connection" ? RemoteLogLevel.Info : RemoteLogLevel.Warning;
        Log(level, $"disassociated from {peer} ({channel}, {(inbound ? "inbound" : "outbound")}): {reason}");
        Raise(new Disassociated(peer, channel, inbound, reason));
    }

    internal void OnHeartbeatRsp(RemoteAddress peer, HeartbeatRsp rsp)
    {
        lock (_gate) _heartbeatState = _heartbeatState.HeartbeatRsp(peer.ToString(), rsp.SequenceNr);
        FailureDetectors.HeartBeat(peer);
        var rtt = Time.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(rsp.CreationTimeMs);
        try
        {
            HeartbeatResponse?.Invoke(peer, rsp.SequenceNr, rtt);
        }
        catch (Exception e)
        {
            Log(RemoteLogLevel.Error, $"heartbeat listener threw: {e.Message}");
        }
    }

    private void OnHeartbeatTick()
    {
        HeartbeatSenderState state;
        lock (_gate)
        {
            _heartbeatState = _heartbeatState.Tick();
            state = _heartbeatState;
        }
        foreach (var endpoint in _endpoints.Values)
        {
            if (state.Receivers.Contains(endpoint.Remote.ToString())) endpoint.RequestHeartbeat(state.SequenceNr);
        }
    }

    /// <summary>Connects, wraps in TLS if configured, and runs the initiator side of the handshake.</summary>
    internal async Task<(FrameConnection Connection, HandshakeResult Handshake)> OpenAsync(RemoteAddress remote, ChannelKind channel, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        FrameConnection? connection = null;
        using var timeout = new CancellationTokenSource(Settings.ConnectTimeout + Settings.HandshakeTimeout, Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            await socket.ConnectAsync(remote.Host, remote.Port, linked.Token).ConfigureAwait(false);
            var stream = await WrapAsync(socket, server: false, linked.Token).ConfigureAwait(false);
            connection = new FrameConnection(socket, stream, Handshake.MaxFrameSize, remote.ToString());
            var result = await Handshake.InitiateAsync(connection, Settings, _secret, LocalAddress, channel, linked.Token).ConfigureAwait(false);
            connection.MaxFrameSize = Settings.MaxFrameSize;
            return (connection, result);
        }
        catch (Exception e)
        {
            if (connection is not null) await connection.DisposeAsync().ConfigureAwait(false);
            else socket.Dispose();
            if (e is OperationCanceledException && timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                throw new HandshakeRefusedException($"no handshake with {remote} within {Settings.ConnectTimeout + Settings.HandshakeTimeout}");
            if (e is AuthenticationException) throw new HandshakeRefusedException($"TLS with {remote} failed: {e.Message}");
            throw;
        }
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        while (!_shutdown.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(_shutdown.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                Log(RemoteLogLevel.Warning, $"accept failed on {_local}: {e.Message}");
                continue;
            }
            _ = HandleInboundAsync(socket);
        }
    }

    private async Task HandleInboundAsync(Socket socket)
    {
        var origin = socket.RemoteEndPoint?.ToString() ?? "unknown peer";
        FrameConnection? connection = null;
        var pending = true;
        if (Interlocked.Increment(ref _pendingHandshakes) > Settings.MaxPendingHandshakes)
        {
            Interlocked.Decrement(ref _pendingHandshakes);
            var refused = Interlocked.Increment(ref _handshakesRefusedBusy);
            // A flood is logged at its first and every 100th refusal, not per connection.
            if (refused == 1 || refused % 100 == 0)
                Log(RemoteLogLevel.Warning, $"refused connection from {origin}: {Settings.MaxPendingHandshakes} handshakes already pending " +
                                            $"(maximum-pending-handshakes; {refused} refused so far)");
            socket.Dispose();
            return;
        }
        try
        {
            socket.NoDelay = true;
            HandshakeResult handshake;
            using (var timeout = new CancellationTokenSource(Settings.HandshakeTimeout, Time))
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _shutdown.Token))
            {
                try
                {
                    var stream = await WrapAsync(socket, server: true, linked.Token).ConfigureAwait(false);
                    // Until the peer has proved the secret it may send only frames as large as a handshake needs.
                    connection = new FrameConnection(socket, stream, Handshake.MaxFrameSize, origin);
                    _inbound.TryAdd(connection, 0);
                    handshake = await Handshake.AcceptAsync(connection, Settings, _secret, LocalAddress, RefuseReason, linked.Token).ConfigureAwait(false);
                    connection.MaxFrameSize = Settings.MaxFrameSize;
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested && !_shutdown.IsCancellationRequested)
                {
                    Log(RemoteLogLevel.Warning, $"refused connection from {origin}: no handshake within {Settings.HandshakeTimeout}");
                    return;
                }
                catch (Exception e) when (e is HandshakeRefusedException or AuthenticationException or IOException or SocketException)
                {
                    Log(RemoteLogLevel.Warning, $"refused connection from {origin}: {e.Message}");
                    return;
                }
            }

            Interlocked.Decrement(ref _pendingHandshakes);
            pending = false;
            OnAssociated(handshake.Peer, handshake.Channel, inbound: true);
            var reason = handshake.Channel == ChannelKind.Bulk
                ? await new InboundBulkReceiver(this, connection, handshake.Peer, _handler!).RunAsync().ConfigureAwait(false)
                : await RunInboundControlAsync(connection, handshake.Peer).ConfigureAwait(false);
            if (reason.StartsWith("protocol error", StringComparison.Ordinal)) await connection.SendCloseAsync(reason).ConfigureAwait(false);
            OnDisassociated(handshake.Peer.Address, handshake.Channel, inbound: true, reason);
        }
        catch (OperationCanceledException) when (_shutdown.IsCancellationRequested)
        {
            // Node shutting down.
        }
        catch (Exception e)
        {
            Log(RemoteLogLevel.Error, $"connection from {origin} failed unexpectedly: {e}");
        }
        finally
        {
            if (pending) Interlocked.Decrement(ref _pendingHandshakes);
            if (connection is not null)
            {
                _inbound.TryRemove(connection, out _);
                await connection.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                socket.Dispose();
            }
        }
    }

    private string? RefuseReason(UniqueRemoteAddress peer) =>
        _quarantined.TryGetValue(peer, out var why) ? $"{peer} is quarantined ({why})" : null;

    private Task<string> RunInboundControlAsync(FrameConnection connection, UniqueRemoteAddress peer)
    {
        var handler = _handler!;
        return connection.RunReadLoopAsync(async frame =>
        {
            switch (frame.Type)
            {
                case FrameType.Control:
                    var envelope = Envelope.Parser.ParseFrom(frame.Payload);
                    try
                    {
                        handler.OnControl(peer, envelope);
                    }
                    catch (Exception e)
                    {
                        Log(RemoteLogLevel.Error, $"inbound handler threw on '{envelope.Manifest}' for '{envelope.Recipient}' from {peer}: {e.Message}");
                    }
                    return true;
                case FrameType.Heartbeat when frame.Flags == 0:
                    var heartbeat = Heartbeat.Parser.ParseFrom(frame.Payload);
                    await connection.SendMessageAsync(FrameType.Heartbeat, FrameCodec.HeartbeatResponseFlag, new HeartbeatRsp
                    {
                        From = LocalAddress.ToProto(),
                        SequenceNr = heartbeat.SequenceNr,
                        CreationTimeMs = heartbeat.CreationTimeMs,
                    }, _shutdown.Token).ConfigureAwait(false);
                    return true;
                case FrameType.Close:
                    Log(RemoteLogLevel.Info, $"{peer} closed its control channel: {Close.Parser.ParseFrom(frame.Payload).Reason}");
                    return false;
                default:
                    throw new RemoteProtocolException($"unexpected {frame.Type} frame on a control channel");
            }
        }, _shutdown.Token);
    }

    internal async Task<Stream> WrapAsync(Socket socket, bool server, CancellationToken cancellationToken)
    {
        var network = new NetworkStream(socket, ownsSocket: false);
        if (Settings.Tls is not { } tls) return network;
        var ssl = new SslStream(network, leaveInnerStreamOpen: false);
        var context = SslStreamCertificateContext.Create(_certificate!, additionalCertificates: null);
        try
        {
            if (server)
            {
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificateContext = context,
                    ClientCertificateRequired = true,
                    CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                    RemoteCertificateValidationCallback = (_, cert, _, errors) => ValidatePeer(tls, cert, errors, server: true),
                }, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = tls.TargetHost,
                    ClientCertificateContext = context,
                    CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                    RemoteCertificateValidationCallback = (_, cert, _, errors) => ValidatePeer(tls, cert, errors, server: false),
                }, cancellationToken).ConfigureAwait(false);
            }
            return ssl;
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private bool ValidatePeer(RemoteTlsSettings tls, X509Certificate? certificate, SslPolicyErrors errors, bool server)
    {
        if (certificate is null)
        {
            Log(RemoteLogLevel.Warning, "TLS peer presented no certificate");
            return false;
        }
        var peer = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        if (!string.IsNullOrEmpty(tls.PinnedThumbprintSha256))
        {
            var thumbprint = peer.GetCertHashString(HashAlgorithmName.SHA256);
            var ok = string.Equals(thumbprint, tls.PinnedThumbprintSha256.Replace(":", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
            if (!ok) Log(RemoteLogLevel.Warning, $"TLS peer certificate {peer.Subject} (sha256 {thumbprint}) is not the pinned one");
            return ok;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_caCertificate!);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        // With the cluster's own CA (Authority) a node is known by its issuer, not by a host name.
        var trusted = chain.Build(peer) && (server || tls.Authority is not null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0);
        if (!trusted) Log(RemoteLogLevel.Warning, $"TLS peer certificate {peer.Subject} does not chain to the configured CA or names the wrong host ({errors})");
        return trusted;
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_shutdown.IsCancellationRequested) return;
            _shutdown.Cancel();
        }
        _heartbeatTimer?.Dispose();
        _listener?.Dispose();
        foreach (var endpoint in _endpoints.Values) await endpoint.DisposeAsync().ConfigureAwait(false);
        _endpoints.Clear();
        foreach (var connection in _inbound.Keys) await connection.DisposeAsync().ConfigureAwait(false);
        if (_acceptLoop is not null) await _acceptLoop.ConfigureAwait(false);
        if (_local is not null) Log(RemoteLogLevel.Info, $"remoting on {_local} shut down");
    }
}
