using System.Buffers;
using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Threading.Channels;
using ActorCodistill.Cluster.Remote.Framing;
using ActorCodistill.Cluster.Remote.Protocol;

namespace ActorCodistill.Cluster.Remote;

/// <summary>
/// Our outbound side towards one peer address. The control channel is kept up by a reconnect loop with
/// exponential backoff; envelopes queue while it is down (at-most-once: a frame in flight when the socket
/// dies is lost, as in Akka). The bulk channel opens on the first transfer and carries one transfer at a time.
/// </summary>
public sealed class RemoteEndpoint : IAsyncDisposable
{
    private readonly RemoteTransport _transport;
    private readonly RemoteSettings _settings;
    private readonly Channel<Envelope?> _queue;
    private readonly CancellationTokenSource _closed;
    private readonly ReconnectBackoff _backoff;
    private readonly TaskCompletionSource _firstAssociation = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _bulkOrder = new();
    // Bulk transfers in call order, for the one writer loop (started with the first transfer).
    private readonly Channel<BulkSend> _bulkQueue = Channel.CreateUnbounded<BulkSend>(new UnboundedChannelOptions { SingleReader = true });
    private Task? _bulkWriter;
    private Task? _controlLoop;
    private FrameConnection? _control;
    private BulkChannel? _bulk;
    private long _pendingHeartbeat;
    private ulong _nextTransferId;
    private UniqueRemoteAddress? _peer;

    internal RemoteEndpoint(RemoteTransport transport, RemoteAddress remote, Random random)
    {
        _transport = transport;
        _settings = transport.Settings;
        Remote = remote;
        _closed = CancellationTokenSource.CreateLinkedTokenSource(transport.ShutdownToken);
        _backoff = new ReconnectBackoff(_settings.ReconnectBackoffMin, _settings.ReconnectBackoffMax, _settings.ReconnectBackoffJitter, random);
        _queue = Channel.CreateBounded<Envelope?>(new BoundedChannelOptions(_settings.OutboundControlQueueSize)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public RemoteAddress Remote { get; }

    /// <summary>The incarnation we are (or were last) associated with.</summary>
    public UniqueRemoteAddress? Peer => Volatile.Read(ref _peer);

    public bool IsAssociated => Volatile.Read(ref _control) is { IsDisposed: false };

    public bool IsAvailable => _transport.FailureDetectors.IsAvailable(Remote);

    /// <summary>Completes when the control channel has been associated once.</summary>
    public Task WhenAssociated(CancellationToken cancellationToken = default) => _firstAssociation.Task.WaitAsync(cancellationToken);

    internal void Start() => _controlLoop = RunControlAsync(_closed.Token);

    /// <summary>Queues an envelope; false (and a logged warning) when the queue is full or the endpoint closed.</summary>
    public bool SendControl(Envelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var size = envelope.CalculateSize();
        if (size > _settings.MaxFrameSize)
            throw new ArgumentException($"envelope '{envelope.Manifest}' for '{envelope.Recipient}' is {size} bytes, over maximum-frame-size {_settings.MaxFrameSize}; send it as bulk", nameof(envelope));
        if (_queue.Writer.TryWrite(envelope)) return true;
        _transport.Log(RemoteLogLevel.Warning, $"dropped '{envelope.Manifest}' for '{envelope.Recipient}' at {Remote}: outbound queue full or endpoint closed");
        return false;
    }

    internal void RequestHeartbeat(long sequenceNr)
    {
        Interlocked.Exchange(ref _pendingHeartbeat, sequenceNr);
        // A null item only wakes the writer; the heartbeat itself goes out ahead of the queued envelopes.
        _queue.Writer.TryWrite(null);
    }

    private async Task RunControlAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            FrameConnection connection;
            try
            {
                (connection, var handshake) = await _transport.OpenAsync(Remote, ChannelKind.Control, cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _peer, handshake.Peer);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                var delay = _backoff.Next();
                _transport.Log(RemoteLogLevel.Warning, $"association with {Remote} failed (attempt {_backoff.Attempt}): {e.Message}; retrying in {delay.TotalMilliseconds:F0} ms");
                if (!await DelayAsync(delay, cancellationToken).ConfigureAwait(false)) return;
                continue;
            }

            _backoff.Reset();
            Volatile.Write(ref _control, connection);
            _transport.OnAssociated(_peer!, ChannelKind.Control, inbound: false);
            _firstAssociation.TrySetResult();
            string reason;
            using (var connectionScope = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                var reader = connection.RunReadLoopAsync(OnControlReplyAsync, connectionScope.Token);
                var writer = RunControlWriterAsync(connection, connectionScope.Token);
                var first = await Task.WhenAny(reader, writer).ConfigureAwait(false);
                reason = await first.ConfigureAwait(false);
                if (reason.StartsWith("protocol error", StringComparison.Ordinal)) await connection.SendCloseAsync(reason).ConfigureAwait(false);
                connectionScope.Cancel();
                await connection.DisposeAsync().ConfigureAwait(false);
                await Task.WhenAll(reader, writer).ConfigureAwait(false);
            }
            Volatile.Write(ref _control, null);
            _transport.OnDisassociated(Remote, ChannelKind.Control, inbound: false, reason);
            if (cancellationToken.IsCancellationRequested) return;
            if (!await DelayAsync(_backoff.Next(), cancellationToken).ConfigureAwait(false)) return;
        }
    }

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, _transport.Time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<string> RunControlWriterAsync(FrameConnection connection, CancellationToken cancellationToken)
    {
        var reader = _queue.Reader;
        var self = _transport.LocalAddress.ToProto();
        try
        {
            while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                await connection.SendAsync(writer =>
                {
                    WritePendingHeartbeat(writer, self);
                    // Batch what is queued into one flush, but bounded so a heartbeat is never behind more than a batch.
                    for (var n = 0; n < 256 && reader.TryRead(out var envelope); n++)
                    {
                        if (envelope is not null) FrameCodec.WriteMessage(writer, FrameType.Control, 0, envelope);
                    }
                    WritePendingHeartbeat(writer, self);
                }, cancellationToken).ConfigureAwait(false);
            }
            return "endpoint closed";
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return "shut down";
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            return $"write failed: {e.Message}";
        }
    }

    private void WritePendingHeartbeat(IBufferWriter<byte> writer, UniqueAddressProto self)
    {
        var sequenceNr = Interlocked.Exchange(ref _pendingHeartbeat, 0);
        if (sequenceNr == 0) return;
        FrameCodec.WriteMessage(writer, FrameType.Heartbeat, 0, new Heartbeat
        {
            From = self,
            SequenceNr = sequenceNr,
            CreationTimeMs = _transport.Time.GetUtcNow().ToUnixTimeMilliseconds(),
        });
    }

    private ValueTask<bool> OnControlReplyAsync(Frame frame)
    {
        switch (frame.Type)
        {
            case FrameType.Heartbeat when frame.Flags == FrameCodec.HeartbeatResponseFlag:
                _transport.OnHeartbeatRsp(Remote, HeartbeatRsp.Parser.ParseFrom(frame.Payload));
                return ValueTask.FromResult(true);
            case FrameType.Close:
                _transport.Log(RemoteLogLevel.Warning, $"{Remote} closed our control channel: {Close.Parser.ParseFrom(frame.Payload).Reason}");
                return ValueTask.FromResult(false);
            default:
                throw new RemoteProtocolException($"unexpected {frame.Type} frame from {Remote} on our control channel");
        }
    }

    /// <summary>
    /// Sends raw tensor bytes on the bulk channel: header, then chunks under a credit window. Completes when the
    /// receiver has verified length and checksum and handed the payload to its handler.
    /// <para>
    /// Transfers go out one after another in call order (the call queues the transfer before its first await), written
    /// by one writer loop per endpoint, and pipelined: the next transfer starts as soon as this one has written its last
    /// chunk, without waiting for the receiver's final ack, so a stream of small transfers (ring allreduce segments)
    /// pays no round trip and no thread hand-off each. The header goes out in the same socket write as the first chunk.
    /// The credit window bounds the unacked chunks of all transfers on the channel together. Cancelling a transfer that
    /// has not started skips it; failing or cancelling one while it writes drops the channel (the receiver cannot
    /// resynchronise), which fails the transfers still waiting for their acks; cancelling only the wait for the final
    /// ack leaves the channel and the transfer alone.
    /// </para>
    /// </summary>
    public Task SendBulkAsync(BulkHeader header, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(header);
        if (payload.Length > _settings.MaxBulkTransferSize)
            return Task.FromException(new ArgumentException($"bulk payload of {payload.Length} bytes exceeds maximum-bulk-transfer-size {_settings.MaxBulkTransferSize}", nameof(payload)));
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled(cancellationToken);
        var send = new BulkSend(header, payload, cancellationToken);
        lock (_bulkOrder)
        {
            if (_closed.IsCancellationRequested || !_bulkQueue.Writer.TryWrite(send))
                return Task.FromException(new BulkTransferException($"bulk transfer to {Remote} not sent: the endpoint is closed"));
            _bulkWriter ??= RunBulkWriterAsync(_closed.Token);
        }
        return cancellationToken.CanBeCanceled ? send.Completion.Task.WaitAsync(cancellationToken) : send.Completion.Task;
    }

    /// <summary>The one writer of the bulk channel: takes queued transfers in call order and writes them back to back.</summary>
    private async Task RunBulkWriterAsync(CancellationToken closed)
    {
        // Frame head(s) of the transfer being written: the header frame plus the first chunk's prefix, then each later
        // chunk's prefix. Only this loop touches it, and each write completes before it is reused.
        var head = new ArrayBufferWriter<byte>(256);
        var reader = _bulkQueue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(closed).ConfigureAwait(false))
            {
                while (reader.TryRead(out var send))
                {
                    if (send.Token.IsCancellationRequested)
                    {
                        send.Completion.TrySetCanceled(send.Token);
                        continue;
                    }
                    await WriteTransferAsync(send, head).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (closed.IsCancellationRequested)
        {
        }
        while (reader.TryRead(out var left))
            left.Completion.TrySetException(new BulkTransferException($"bulk transfer to {Remote} not sent: the endpoint closed"));
    }

    private async Task WriteTransferAsync(BulkSend send, ArrayBufferWriter<byte> head)
    {
        BulkChannel channel;
        try
        {
            channel = await EnsureBulkAsync(send.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (send.Token.IsCancellationRequested)
        {
            send.Completion.TrySetCanceled(send.Token);
            return;
        }
        catch (Exception e) when (e is BulkTransferException or OperationCanceledException or ObjectDisposedException)
        {
            send.Completion.TrySetException(e as BulkTransferException ?? new BulkTransferException($"bulk transfer to {Remote} failed: {e.Message}", e));
            return;
        }

        var payload = send.Payload;
        var chunkSize = _settings.BulkChunkSize;
        var wireHeader = send.Header.Clone();
        wireHeader.TransferId = ++_nextTransferId;
        wireHeader.TotalBytes = (ulong)payload.Length;
        wireHeader.ChunkSize = chunkSize;
        // Acks in batches of a quarter window: fewer wake-ups on both sides, while credit never runs dry.
        wireHeader.AckEvery = Math.Max(1, _settings.BulkWindow / 4);
        // The checksum travels in each chunk's prefix (computed as the chunk goes out), not up front.
        wireHeader.Checksum = 0;
        wireHeader.Checksummed = _settings.BulkChecksums;
        var transfer = new BulkSendState(wireHeader.TransferId, channel, send.Completion);
        channel.InFlight[transfer.Id] = transfer;
        var token = send.Token;
        try
        {
            var connection = channel.Connection;
            head.Clear();
            FrameCodec.WriteMessage(head, FrameType.BulkHeader, 0, wireHeader);
            var chunks = (payload.Length + chunkSize - 1) / chunkSize;
            if (chunks == 0) await connection.SendAsync(w => w.Write(head.WrittenSpan), token).ConfigureAwait(false);
            var checksum = new BulkChecksum.Accumulator();
            for (var index = 0; index < chunks && !transfer.Completion.Task.IsCompleted; index++)
            {
                await channel.Credits.WaitAsync(token).ConfigureAwait(false);
                var data = payload.Slice(index * chunkSize, Math.Min(chunkSize, payload.Length - index * chunkSize));
                // Reading the chunk here pulls it into cache just before the socket copies it out.
                var running = 0UL;
                if (wireHeader.Checksummed)
                {
                    checksum.Append(data.Span);
                    running = checksum.Value;
                }
                if (index > 0) head.Clear();
                FrameCodec.WriteBulkChunkPrefix(head.GetSpan(FrameCodec.HeaderSize + FrameCodec.BulkChunkPrefixSize), transfer.Id, (uint)index, running, data.Length);
                head.Advance(FrameCodec.HeaderSize + FrameCodec.BulkChunkPrefixSize);
                await connection.SendGatheredAsync(head.WrittenMemory, data, token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // The receiver is mid-transfer and cannot resynchronise: drop the channel, the next send reconnects.
            channel.InFlight.TryRemove(transfer.Id, out _);
            await DropBulkAsync(channel).ConfigureAwait(false);
            if (e is OperationCanceledException && token.IsCancellationRequested) send.Completion.TrySetCanceled(token);
            else send.Completion.TrySetException(new BulkTransferException($"bulk transfer {wireHeader.TransferId} to {Remote} failed: {e.Message}", e));
        }
    }

    private async Task<BulkChannel> EnsureBulkAsync(CancellationToken cancellationToken)
    {
        if (_bulk is { Connection.IsDisposed: false } open) return open;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closed.Token);
        FrameConnection connection;
        HandshakeResult handshake;
        try
        {
            (connection, handshake) = await _transport.OpenAsync(Remote, ChannelKind.Bulk, linked.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HandshakeRefusedException or IOException or SocketException)
        {
            throw new BulkTransferException($"cannot open bulk channel to {Remote}: {e.Message}", e);
        }
        var channel = new BulkChannel(connection, _settings.BulkWindow);
        Volatile.Write(ref _bulk, channel);
        _transport.OnAssociated(handshake.Peer, ChannelKind.Bulk, inbound: false);
        channel.Reader = RunBulkReaderAsync(channel);
        return channel;
    }

    private async Task RunBulkReaderAsync(BulkChannel channel)
    {
        var connection = channel.Connection;
        var reason = await connection.RunReadLoopAsync(frame =>
        {
            switch (frame.Type)
            {
                case FrameType.BulkAck:
                    FrameCodec.ReadBulkAck(frame.Payload, out var id, out var received, out var status);
                    if (channel.InFlight.TryGetValue(id, out var transfer)) transfer.OnAck(received, status, Remote);
                    return ValueTask.FromResult(true);
                case FrameType.Close:
                    _transport.Log(RemoteLogLevel.Warning, $"{Remote} closed our bulk channel: {Close.Parser.ParseFrom(frame.Payload).Reason}");
                    return ValueTask.FromResult(false);
                default:
                    throw new RemoteProtocolException($"unexpected {frame.Type} frame from {Remote} on our bulk channel");
            }
        }, _closed.Token).ConfigureAwait(false);
        if (reason.StartsWith("protocol error", StringComparison.Ordinal)) await connection.SendCloseAsync(reason).ConfigureAwait(false);
        await connection.DisposeAsync().ConfigureAwait(false);
        channel.Fail(new BulkTransferException($"bulk channel to {Remote} closed: {reason}"));
        _transport.OnDisassociated(Remote, ChannelKind.Bulk, inbound: false, reason);
    }

    private async Task DropBulkAsync(BulkChannel channel)
    {
        await channel.Connection.DisposeAsync().ConfigureAwait(false);
        if (channel.Reader is { } reader) await reader.ConfigureAwait(false);
        Interlocked.CompareExchange(ref _bulk, null, channel);
    }

    public async ValueTask DisposeAsync()
    {
        if (_closed.IsCancellationRequested && _controlLoop is null) return;
        _closed.Cancel();
        _queue.Writer.TryComplete();
        lock (_bulkOrder) _bulkQueue.Writer.TryComplete();
        if (_controlLoop is { } loop) await loop.ConfigureAwait(false);
        _controlLoop = null;
        if (Volatile.Read(ref _bulk) is { } bulk)
        {
            await bulk.Connection.DisposeAsync().ConfigureAwait(false);
            if (bulk.Reader is { } reader) await reader.ConfigureAwait(false);
        }
        // After the channel is gone: a writer blocked on credit or on the socket has been woken by its failure.
        Task? writer;
        lock (_bulkOrder) writer = _bulkWriter;
        if (writer is not null) await writer.ConfigureAwait(false);
    }

    /// <summary>One connection of the bulk channel: its shared credit window and the transfers awaiting their final ack.</summary>
    private sealed class BulkChannel(FrameConnection connection, int window)
    {
        public FrameConnection Connection { get; } = connection;
        public SemaphoreSlim Credits { get; } = new(window);
        public ConcurrentDictionary<ulong, BulkSendState> InFlight { get; } = new();
        public Task? Reader { get; set; }

        public void Fail(Exception reason)
        {
            foreach (var transfer in InFlight.Values) transfer.Fail(reason);
            // Wake a sender waiting for credit so it sees the failure instead of hanging; this window is never used again.
            Credits.Release(window + 1);
        }
    }

    /// <summary>A transfer queued for the writer loop: what to send, the caller's token, and its outcome.</summary>
    private sealed class BulkSend(BulkHeader header, ReadOnlyMemory<byte> payload, CancellationToken token)
    {
        public BulkHeader Header { get; } = header;
        public ReadOnlyMemory<byte> Payload { get; } = payload;
        public CancellationToken Token { get; } = token;
        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>
    /// Sender-side state of one written transfer: credits it returns to its channel as acks arrive, and its outcome.
    /// It leaves the channel's in-flight table at its final ack or failure, so late acks still return their credit.
    /// </summary>
    private sealed class BulkSendState(ulong id, BulkChannel channel, TaskCompletionSource completion)
    {
        private uint _acked;

        public ulong Id { get; } = id;
        public TaskCompletionSource Completion { get; } = completion;

        public void OnAck(uint received, BulkAckStatus status, RemoteAddress remote)
        {
            var newlyAcked = (int)(received - _acked);
            if (received > _acked)
            {
                _acked = received;
                channel.Credits.Release(newlyAcked);
            }
            switch (status)
            {
                case BulkAckStatus.Complete:
                    channel.InFlight.TryRemove(Id, out _);
                    Completion.TrySetResult();
                    break;
                case BulkAckStatus.ChecksumMismatch:
                    Fail(new BulkTransferException($"bulk transfer {Id} to {remote} arrived corrupted (checksum mismatch)"));
                    break;
                case BulkAckStatus.Rejected:
                    Fail(new BulkTransferException($"bulk transfer {Id} was rejected by {remote}"));
                    break;
            }
        }

        public void Fail(Exception reason)
        {
            channel.InFlight.TryRemove(Id, out _);
            Completion.TrySetException(reason);
            // Wake this channel's sender if it waits for credit, so it sees the failure instead of hanging.
            channel.Credits.Release(1);
        }
    }
}
