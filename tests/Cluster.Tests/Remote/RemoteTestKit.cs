using System.Collections.Concurrent;
using System.Net.Sockets;
using ActorCodistill.Cluster.Remote;
using ActorCodistill.Cluster.Remote.Framing;
using ActorCodistill.Cluster.Remote.Protocol;

namespace ActorCodistill.Cluster.Tests.Remote;

/// <summary>Records what a node's transport delivers; tests await its tasks instead of sleeping.</summary>
internal sealed class RecordingHandler : IInboundHandler
{
    private readonly ConcurrentQueue<(UniqueRemoteAddress From, Envelope Envelope)> _controls = new();
    private readonly ConcurrentQueue<(int Count, TaskCompletionSource Done)> _countWaiters = new();
    private int _frames;

    public Action<UniqueRemoteAddress, Envelope>? OnEnvelope { get; set; }
    public Action<UniqueRemoteAddress, BulkPayload>? OnBulkPayload { get; set; }
    public Func<UniqueRemoteAddress, BulkHeader, Memory<byte>?>? BufferProvider { get; set; }

    public int FramesDelivered => Volatile.Read(ref _frames);
    public IReadOnlyList<(UniqueRemoteAddress From, Envelope Envelope)> Controls => _controls.ToArray();

    public void OnControl(UniqueRemoteAddress from, Envelope envelope)
    {
        _controls.Enqueue((from, envelope));
        var count = Interlocked.Increment(ref _frames);
        OnEnvelope?.Invoke(from, envelope);
        foreach (var (wanted, done) in _countWaiters) if (count >= wanted) done.TrySetResult();
    }

    public void OnBulk(UniqueRemoteAddress from, BulkPayload payload)
    {
        Interlocked.Increment(ref _frames);
        if (OnBulkPayload is { } onBulk) onBulk(from, payload);
        else payload.Dispose();
    }

    public Memory<byte>? ProvideBulkBuffer(UniqueRemoteAddress from, BulkHeader header) => BufferProvider?.Invoke(from, header);

    public Task WhenControlCount(int count)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _countWaiters.Enqueue((count, done));
        if (FramesDelivered >= count) done.TrySetResult();
        return done.Task.WaitAsync(RemoteTestKit.WaitLimit);
    }
}

/// <summary>Captures log lines and completes a task when a matching one arrives.</summary>
internal sealed class LogProbe : IRemoteLogSink
{
    private readonly object _gate = new();
    private readonly List<string> _lines = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Done)> _waiters = [];

    public IReadOnlyList<string> Lines
    {
        get { lock (_gate) return _lines.ToArray(); }
    }

    public void Log(RemoteLogLevel level, string message)
    {
        lock (_gate)
        {
            _lines.Add($"{level}: {message}");
            foreach (var (match, done) in _waiters) if (match(message)) done.TrySetResult(message);
        }
    }

    public Task<string> WaitFor(Func<string, bool> match)
    {
        var done = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            foreach (var line in _lines) if (match(line)) done.TrySetResult(line);
            _waiters.Add((match, done));
        }
        return done.Task.WaitAsync(RemoteTestKit.WaitLimit);
    }

    public Task<string> WaitFor(params string[] fragments) => WaitFor(line => fragments.All(f => line.Contains(f, StringComparison.Ordinal)));
}

internal sealed class TestNode : IAsyncDisposable
{
    private readonly ConcurrentQueue<AssociationEvent> _events = new();
    private readonly List<(Func<AssociationEvent, bool> Match, TaskCompletionSource<AssociationEvent> Done)> _waiters = [];

    public TestNode(RemoteSettings settings, ulong? uid = null)
    {
        Transport = new RemoteTransport(settings, Log, uid: uid, random: new Random(1));
        Transport.AssociationChanged += e =>
        {
            _events.Enqueue(e);
            lock (_waiters) foreach (var (match, done) in _waiters) if (match(e)) done.TrySetResult(e);
        };
        Address = Transport.Start(Handler);
    }

    public RemoteTransport Transport { get; }
    public RecordingHandler Handler { get; } = new();
    public LogProbe Log { get; } = new();
    public UniqueRemoteAddress Address { get; }

    public Task<AssociationEvent> WaitForEvent(Func<AssociationEvent, bool> match)
    {
        var done = new TaskCompletionSource<AssociationEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            foreach (var e in _events) if (match(e)) done.TrySetResult(e);
            _waiters.Add((match, done));
        }
        return done.Task.WaitAsync(RemoteTestKit.WaitLimit);
    }

    public ValueTask DisposeAsync() => Transport.DisposeAsync();
}

internal static class RemoteTestKit
{
    public const string Secret = "correct horse battery staple 42";
    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(20);

    public static RemoteSettings Settings(string secret = Secret) => new()
    {
        Secret = secret,
        Hostname = "127.0.0.1",
        Port = 0,
        HeartbeatInterval = TimeSpan.FromMilliseconds(50),
        ReconnectBackoffMin = TimeSpan.FromMilliseconds(50),
        ReconnectBackoffMax = TimeSpan.FromMilliseconds(500),
        HandshakeTimeout = TimeSpan.FromSeconds(5),
        MaxFrameSize = 256 * 1024,
        BulkChunkSize = 128 * 1024,
        BulkWindow = 4,
    };

    public static Envelope Envelope(ulong seq, string manifest = "Test") =>
        new() { Recipient = "/user/probe", Sender = "/user/sender", Manifest = manifest, Seq = seq, Payload = Google.Protobuf.ByteString.CopyFromUtf8($"message {seq}") };

    public static async Task<Socket> ConnectRawAsync(UniqueRemoteAddress to)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(to.Address.Host, to.Address.Port);
        return socket;
    }

    /// <summary>A peer that passes the handshake and then is ours to misbehave with.</summary>
    internal static async Task<FrameConnection> ConnectAuthenticatedAsync(TestNode target, ChannelKind channel, RemoteSettings? settings = null)
    {
        settings ??= Settings();
        var socket = await ConnectRawAsync(target.Address);
        var connection = new FrameConnection(socket, new NetworkStream(socket, ownsSocket: false), settings.MaxFrameSize, "raw test peer");
        var self = new UniqueRemoteAddress(new RemoteAddress(settings.SystemName, "127.0.0.1", 1), 4242);
        using var cts = new CancellationTokenSource(WaitLimit);
        await Handshake.InitiateAsync(connection, settings, settings.SecretBytes(), self, channel, cts.Token);
        return connection;
    }

    /// <summary>Reads until the peer's Close frame (returns its reason) or end of stream (returns null).</summary>
    internal static async Task<string?> ReadCloseReasonAsync(FrameConnection connection)
    {
        string? reason = null;
        using var cts = new CancellationTokenSource(WaitLimit);
        await connection.RunReadLoopAsync(frame =>
        {
            if (frame.Type == FrameType.Close) reason = Close.Parser.ParseFrom(frame.Payload).Reason;
            return ValueTask.FromResult(frame.Type != FrameType.Close);
        }, cts.Token);
        return reason;
    }
}
