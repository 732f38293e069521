using System.Buffers;
using System.Buffers.Binary;
using ActorCodistill.Cluster.Remote.Framing;
using ActorCodistill.Cluster.Remote.Protocol;

namespace ActorCodistill.Cluster.Remote;

/// <summary>
/// Receiving side of one bulk channel: chunks land straight in a pooled (or handler-provided) buffer, each is
/// checksummed while still in cache and compared with the sender's running checksum, each is acked to return
/// credit, and the complete payload goes to the handler before the final ack.
/// </summary>
internal sealed class InboundBulkReceiver(RemoteTransport transport, FrameConnection connection, UniqueRemoteAddress peer, IInboundHandler handler)
    : IBulkChunkSink
{
    private BulkHeader? _header;
    private Memory<byte> _destination;
    private byte[]? _rented;
    private uint _expectedChunks;
    private uint _received;
    private BulkChecksum.Accumulator _checksum;
    private Memory<byte> _chunk;
    private ulong _chunkChecksum;

    public async Task<string> RunAsync()
    {
        try
        {
            return await connection.RunReadLoopAsync(OnFrameAsync, transport.ShutdownToken, this).ConfigureAwait(false);
        }
        finally
        {
            ReleaseBuffer();
        }
    }

    private async ValueTask<bool> OnFrameAsync(Frame frame)
    {
        switch (frame.Type)
        {
            case FrameType.BulkHeader:
                await OnHeaderAsync(BulkHeader.Parser.ParseFrom(frame.Payload)).ConfigureAwait(false);
                return true;
            case FrameType.Close:
                transport.Log(RemoteLogLevel.Info, $"{peer} closed its bulk channel: {Close.Parser.ParseFrom(frame.Payload).Reason}");
                return false;
            default:
                throw new RemoteProtocolException($"unexpected {frame.Type} frame on a bulk channel");
        }
    }

    private async ValueTask OnHeaderAsync(BulkHeader header)
    {
        if (_header is not null)
            throw new RemoteProtocolException($"bulk transfer {header.TransferId} started before transfer {_header.TransferId} finished");
        var maxChunk = transport.Settings.MaxFrameSize - FrameCodec.BulkChunkPrefixSize;
        if (header.TotalBytes > (ulong)transport.Settings.MaxBulkTransferSize)
            throw new RemoteProtocolException($"bulk transfer {header.TransferId} of {header.TotalBytes} bytes exceeds maximum-bulk-transfer-size {transport.Settings.MaxBulkTransferSize}");
        if (header.ChunkSize <= 0 || header.ChunkSize > maxChunk || header.ChunkSize % BulkChecksum.BlockSize != 0)
            throw new RemoteProtocolException($"bulk chunk size {header.ChunkSize} is not a multiple of {BulkChecksum.BlockSize} in 1..{maxChunk}");

        var total = (int)header.TotalBytes;
        var provided = handler.ProvideBulkBuffer(peer, header);
        if (provided is { } memory)
        {
            if (memory.Length != total)
            {
                await SendAckAsync(header.TransferId, 0, BulkAckStatus.Rejected).ConfigureAwait(false);
                throw new RemoteProtocolException($"handler provided {memory.Length} bytes for bulk transfer {header.TransferId} of {total} bytes");
            }
            _destination = memory;
        }
        else
        {
            _rented = ArrayPool<byte>.Shared.Rent(total);
            _destination = _rented.AsMemory(0, total);
        }
        _header = header;
        _received = 0;
        _checksum = new BulkChecksum.Accumulator();
        _expectedChunks = (uint)((header.TotalBytes + (ulong)header.ChunkSize - 1) / (ulong)header.ChunkSize);
        if (_expectedChunks == 0) await CompleteAsync().ConfigureAwait(false);
    }

    public Memory<byte> BeginChunk(ReadOnlySpan<byte> prefix, int dataLength)
    {
        var transferId = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        var index = BinaryPrimitives.ReadUInt32LittleEndian(prefix[8..]);
        _chunkChecksum = BinaryPrimitives.ReadUInt64LittleEndian(prefix[12..]);
        if (_header is not { } header || header.TransferId != transferId)
            throw new RemoteProtocolException($"bulk chunk for unknown transfer {transferId}");
        if (index != _received)
            throw new RemoteProtocolException($"bulk chunk {index} of transfer {transferId} out of order (expected {_received})");
        var offset = (long)index * header.ChunkSize;
        var expectedLength = (int)Math.Min(header.ChunkSize, (long)header.TotalBytes - offset);
        if (dataLength != expectedLength)
            throw new RemoteProtocolException($"bulk chunk {index} of transfer {transferId} has {dataLength} bytes, expected {expectedLength}");
        _chunk = _destination.Slice((int)offset, expectedLength);
        return _chunk;
    }

    public async ValueTask EndChunkAsync()
    {
        var header = _header!;
        _received++;
        if (header.Checksummed) _checksum.Append(_chunk.Span);
        if (header.Checksummed && _checksum.Value != _chunkChecksum)
        {
            transport.Log(RemoteLogLevel.Warning,
                $"bulk transfer {header.TransferId} from {peer} failed its checksum at chunk {_received - 1} ({_checksum.Value:X16} != {_chunkChecksum:X16}); dropped");
            _header = null;
            ReleaseBuffer();
            await SendAckAsync(header.TransferId, _received, BulkAckStatus.ChecksumMismatch).ConfigureAwait(false);
            // The sender stops at the failure ack, but chunks already in flight would hit an unknown transfer: hang up.
            throw new RemoteProtocolException($"bulk transfer {header.TransferId} corrupted");
        }
        if (_received == _expectedChunks)
        {
            await CompleteAsync().ConfigureAwait(false);
        }
        else if (_received % (uint)Math.Max(1, header.AckEvery) == 0)
        {
            await SendAckAsync(header.TransferId, _received, BulkAckStatus.InProgress).ConfigureAwait(false);
        }
    }

    private async ValueTask CompleteAsync()
    {
        var header = _header!;
        if (header.Checksummed) header.Checksum = _checksum.Value;
        _header = null;
        var payload = new BulkPayload(header, _destination, _rented);
        _rented = null;
        _destination = Memory<byte>.Empty;
        try
        {
            handler.OnBulk(peer, payload);
        }
        catch (Exception e)
        {
            transport.Log(RemoteLogLevel.Error, $"inbound handler threw on bulk transfer {header.TransferId} ('{header.Manifest}') from {peer}: {e.Message}");
        }
        await SendAckAsync(header.TransferId, _received, BulkAckStatus.Complete).ConfigureAwait(false);
    }

    private ValueTask SendAckAsync(ulong transferId, uint received, BulkAckStatus status) =>
        connection.SendAsync(writer => FrameCodec.WriteBulkAck(writer, transferId, received, status), transport.ShutdownToken);

    private void ReleaseBuffer()
    {
        _destination = Memory<byte>.Empty;
        _chunk = Memory<byte>.Empty;
        if (_rented is { } rented)
        {
            _rented = null;
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
