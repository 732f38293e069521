using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Google.Protobuf;

namespace ActorCodistill.Cluster.Remote.Framing;

/// <summary>Receives bulk-chunk data straight from the socket (see <see cref="FrameConnection.RunReadLoopAsync"/>).</summary>
internal interface IBulkChunkSink
{
    /// <summary>Checks the chunk prefix and returns exactly <paramref name="dataLength"/> bytes to receive into.</summary>
    Memory<byte> BeginChunk(ReadOnlySpan<byte> prefix, int dataLength);

    /// <summary>The chunk's bytes are in place: verify, ack.</summary>
    ValueTask EndChunkAsync();
}

/// <summary>Raised when a peer breaks the frame protocol; the connection is closed, the node goes on.</summary>
public sealed class RemoteProtocolException(string message) : Exception(message);

/// <summary>
/// One TCP (or TLS) connection speaking length-prefixed frames: reads through a <see cref="PipeReader"/>,
/// writes through a <see cref="PipeWriter"/> under a lock so heartbeats, acks and messages never interleave
/// mid-frame. Large bulk payloads bypass the pipe and go straight to the stream to avoid a second copy.
/// </summary>
internal sealed class FrameConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly PipeReader _reader;
    private readonly PipeWriter _writer;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private int _maxFrameSize;
    private readonly object _readGate = new();
    private int _disposed;
    private int _reads;
    private bool _readerCompleted;

    /// <summary>
    /// The largest frame payload the reader accepts. The transport starts a connection at the handshake's small limit
    /// and raises it once the peer has proved the secret, so an unauthenticated peer cannot make this node buffer more
    /// than a handshake needs.
    /// </summary>
    public int MaxFrameSize
    {
        get => Volatile.Read(ref _maxFrameSize);
        set => Volatile.Write(ref _maxFrameSize, value);
    }

    public FrameConnection(Socket socket, Stream stream, int maxFrameSize, string description)
    {
        _socket = socket;
        _stream = stream;
        _maxFrameSize = maxFrameSize;
        Description = description;
        // Small reads: a bulk chunk's bytes are read from the stream straight into their destination, so anything the
        // pipe reads ahead of a chunk header is copied twice. 16 KiB keeps that under 2% of a 1 MiB chunk.
        _reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 4 * 1024, leaveOpen: true));
        _writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 64 * 1024, leaveOpen: true));
    }

    /// <summary>Who is on the other end, for log lines: the socket endpoint until the handshake names the peer.</summary>
    public string Description { get; set; }

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Reads exactly one frame and parses it with <paramref name="parse"/> before the buffer is released.</summary>
    public async ValueTask<T> ReadOneAsync<T>(Func<Frame, T> parse, CancellationToken cancellationToken)
    {
        if (!EnterRead()) throw new ObjectDisposedException(Description);
        try
        {
            return await ReadOneCoreAsync(parse, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await ExitReadAsync().ConfigureAwait(false);
        }
    }

    private async ValueTask<T> ReadOneCoreAsync<T>(Func<Frame, T> parse, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            switch (FrameCodec.TryDecode(buffer, MaxFrameSize, out var frame, out var consumed, out var error))
            {
                case DecodeStatus.Frame:
                    try
                    {
                        return parse(frame);
                    }
                    finally
                    {
                        _reader.AdvanceTo(consumed);
                    }
                case DecodeStatus.ProtocolError:
                    _reader.AdvanceTo(buffer.Start);
                    throw new RemoteProtocolException(error!);
                default:
                    if (result.IsCompleted)
                    {
                        _reader.AdvanceTo(buffer.End);
                        throw new RemoteProtocolException(buffer.IsEmpty ? "peer closed the connection" : $"peer closed mid-frame after {buffer.Length} bytes");
                    }
                    _reader.AdvanceTo(buffer.Start, buffer.End);
                    break;
            }
        }
    }

    /// <summary>
    /// Feeds frames to <paramref name="onFrame"/> until the peer closes, breaks the protocol, or the handler returns false.
    /// With a <paramref name="chunkSink"/>, bulk-chunk data skips the pipe: what is already buffered is copied to the
    /// sink's memory and the rest is read from the stream straight into it, so a chunk costs one copy, like a plain
    /// socket read. Returns the reason the loop ended, for the disassociation log line.
    /// </summary>
    public async Task<string> RunReadLoopAsync(Func<Frame, ValueTask<bool>> onFrame, CancellationToken cancellationToken, IBulkChunkSink? chunkSink = null)
    {
        if (!EnterRead()) return "shut down";
        try
        {
            return await ReadLoopAsync(onFrame, cancellationToken, chunkSink).ConfigureAwait(false);
        }
        finally
        {
            await ExitReadAsync().ConfigureAwait(false);
        }
    }

    private async Task<string> ReadLoopAsync(Func<Frame, ValueTask<bool>> onFrame, CancellationToken cancellationToken, IBulkChunkSink? chunkSink)
    {
        var prefix = new byte[FrameCodec.BulkChunkPrefixSize];
        try
        {
            while (true)
            {
                var result = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                if (result.IsCanceled && IsDisposed) return "shut down";
                var buffer = result.Buffer;
                var advanced = false;
                while (true)
                {
                    var status = FrameCodec.TryDecodeHeader(buffer, MaxFrameSize, out var type, out _, out var length, out var error);
                    if (status == DecodeStatus.NeedMoreData) break;
                    if (status == DecodeStatus.ProtocolError)
                    {
                        _reader.AdvanceTo(buffer.Start);
                        return $"protocol error: {error}";
                    }
                    if (chunkSink is not null && type == FrameType.BulkChunk)
                    {
                        const int headed = FrameCodec.HeaderSize + FrameCodec.BulkChunkPrefixSize;
                        if (buffer.Length < headed) break;
                        buffer.Slice(FrameCodec.HeaderSize, FrameCodec.BulkChunkPrefixSize).CopyTo(prefix);
                        var dataLength = length - FrameCodec.BulkChunkPrefixSize;
                        Memory<byte> destination;
                        try
                        {
                            destination = chunkSink.BeginChunk(prefix, dataLength);
                        }
                        catch (RemoteProtocolException e)
                        {
                            _reader.AdvanceTo(buffer.Start);
                            return $"protocol error: {e.Message}";
                        }
                        var buffered = (int)Math.Min(buffer.Length - headed, dataLength);
                        buffer.Slice(headed, buffered).CopyTo(destination.Span);
                        buffer = buffer.Slice(headed + buffered);
                        if (buffered < dataLength)
                        {
                            // The pipe only reads when asked, so once it is drained the stream is ours until the chunk ends.
                            _reader.AdvanceTo(buffer.Start);
                            advanced = true;
                            try
                            {
                                await _stream.ReadExactlyAsync(destination[buffered..], cancellationToken).ConfigureAwait(false);
                            }
                            catch (EndOfStreamException)
                            {
                                return $"peer closed mid-frame (in a bulk chunk of {dataLength} bytes)";
                            }
                        }
                        try
                        {
                            await chunkSink.EndChunkAsync().ConfigureAwait(false);
                        }
                        catch (RemoteProtocolException e)
                        {
                            if (!advanced) _reader.AdvanceTo(buffer.Start);
                            return $"protocol error: {e.Message}";
                        }
                        if (advanced) break;
                        continue;
                    }

                    if (FrameCodec.TryDecode(buffer, MaxFrameSize, out var frame, out var consumed, out _) != DecodeStatus.Frame) break;
                    bool keepGoing;
                    try
                    {
                        keepGoing = await onFrame(frame).ConfigureAwait(false);
                    }
                    catch (InvalidProtocolBufferException e)
                    {
                        _reader.AdvanceTo(buffer.Start);
                        return $"protocol error: garbled {frame.Type} frame: {e.Message}";
                    }
                    catch (RemoteProtocolException e)
                    {
                        _reader.AdvanceTo(buffer.Start);
                        return $"protocol error: {e.Message}";
                    }
                    // Disposed while the handler ran: the frames still buffered are dropped with the connection.
                    if (IsDisposed) return "shut down";
                    buffer = buffer.Slice(consumed);
                    if (!keepGoing)
                    {
                        _reader.AdvanceTo(buffer.Start);
                        return "closed";
                    }
                }
                if (advanced) continue;
                if (result.IsCompleted)
                {
                    _reader.AdvanceTo(buffer.End);
                    return buffer.IsEmpty ? "peer closed the connection" : $"peer closed mid-frame ({buffer.Length} bytes of an unfinished frame)";
                }
                _reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return "shut down";
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            return IsDisposed ? "shut down" : $"connection lost: {e.Message}";
        }
    }

    /// <summary>Writes frames built by <paramref name="build"/> (into the pipe) and then <paramref name="tail"/> raw, atomically.</summary>
    public async ValueTask SendAsync(Action<IBufferWriter<byte>> build, ReadOnlyMemory<byte> tail, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            build(_writer);
            var flush = await _writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (flush.IsCompleted) throw new IOException($"connection to {Description} is closed");
            if (!tail.IsEmpty)
            {
                await _stream.WriteAsync(tail, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Sends a small frame head and its large body as one gathered socket write when the connection is plain TCP,
    /// so the head does not travel (and wake the receiver) as a packet of its own.
    /// </summary>
    public async ValueTask SendGatheredAsync(ReadOnlyMemory<byte> head, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        if (_stream is not NetworkStream || !MemoryMarshal.TryGetArray(body, out var bodySegment) || !MemoryMarshal.TryGetArray(head, out var headSegment))
        {
            await SendAsync(writer => writer.Write(head.Span), body, cancellationToken).ConfigureAwait(false);
            return;
        }
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var segments = new List<ArraySegment<byte>>(2) { headSegment, bodySegment };
            var remaining = headSegment.Count + bodySegment.Count;
            while (remaining > 0)
            {
                var sent = await _socket.SendAsync(segments, SocketFlags.None).WaitAsync(cancellationToken).ConfigureAwait(false);
                if (sent == 0) throw new IOException($"connection to {Description} closed while sending");
                remaining -= sent;
                if (remaining == 0) break;
                // A short write: drop what went out and send the rest.
                while (sent > 0)
                {
                    var first = segments[0];
                    if (sent >= first.Count)
                    {
                        sent -= first.Count;
                        segments.RemoveAt(0);
                    }
                    else
                    {
                        segments[0] = first.Slice(sent);
                        sent = 0;
                    }
                }
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public ValueTask SendAsync(Action<IBufferWriter<byte>> build, CancellationToken cancellationToken) =>
        SendAsync(build, ReadOnlyMemory<byte>.Empty, cancellationToken);

    public ValueTask SendMessageAsync(FrameType type, ushort flags, IMessage message, CancellationToken cancellationToken) =>
        SendAsync(w => FrameCodec.WriteMessage(w, type, flags, message), cancellationToken);

    /// <summary>Best effort: tells the peer why before hanging up; a dead peer is not waited for.</summary>
    public async ValueTask SendCloseAsync(string reason)
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await SendMessageAsync(FrameType.Close, 0, new Protocol.Close { Reason = reason }, cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // The peer is already gone; the reason is in our log.
        }
    }

    private bool EnterRead()
    {
        lock (_readGate)
        {
            if (_readerCompleted) return false;
            _reads++;
            return true;
        }
    }

    private ValueTask ExitReadAsync()
    {
        bool complete;
        lock (_readGate)
        {
            _reads--;
            complete = _reads == 0 && IsDisposed && !_readerCompleted;
            if (complete) _readerCompleted = true;
        }
        return complete ? _reader.CompleteAsync() : ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already reset by the peer.
        }
        _socket.Dispose();
        // The reader is completed by whoever is last to hold it: completing it under a read that is still walking its
        // buffer (a frame handler awaiting, say) hands that buffer's segments back to the pool while they are read.
        bool complete;
        lock (_readGate)
        {
            complete = _reads == 0 && !_readerCompleted;
            if (complete) _readerCompleted = true;
        }
        if (complete) await _reader.CompleteAsync().ConfigureAwait(false);
        else _reader.CancelPendingRead();
        try
        {
            await _writer.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
        {
            // Unflushed bytes to a dead socket.
        }
        try
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
        {
            // TLS close_notify to a dead socket.
        }
    }
}
