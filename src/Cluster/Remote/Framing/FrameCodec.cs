using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;

namespace ActorCodistill.Cluster.Remote.Framing;

public enum FrameType : byte
{
    Handshake = 1,
    Control = 2,
    Heartbeat = 3,
    BulkHeader = 4,
    BulkChunk = 5,
    BulkAck = 6,
    Close = 7,
}

/// <summary>Step of the handshake carried in the flags of a handshake frame.</summary>
public enum HandshakeStep : ushort
{
    Hello = 1,
    Challenge = 2,
    Proof = 3,
    Accepted = 4,
}

public enum BulkAckStatus : byte
{
    InProgress = 0,
    Complete = 1,
    ChecksumMismatch = 2,
    Rejected = 3,
}

public enum DecodeStatus
{
    NeedMoreData,
    Frame,
    ProtocolError,
}

/// <summary>A decoded frame; <see cref="Payload"/> points into the reader's buffer and is valid until it advances.</summary>
public readonly record struct Frame(FrameType Type, ushort Flags, ReadOnlySequence<byte> Payload);

/// <summary>
/// Frame layout, little-endian, 12-byte header:
/// magic u16 (0xAC0D) | version u8 | type u8 | flags u16 | reserved u16 (0) | payload length u32 | payload.
/// The decoder only slices the input: it never allocates, so a hostile length cannot make it reserve memory.
/// </summary>
public static class FrameCodec
{
    public const ushort Magic = 0xAC0D;
    public const byte ProtocolVersion = 1;
    public const int HeaderSize = 12;
    /// <summary>
    /// transfer id u64 | chunk index u32 | running checksum u64 (of the payload up to and including this chunk),
    /// ahead of the raw bytes of a bulk chunk. Carrying the checksum per chunk lets the sender checksum each chunk
    /// as it sends it, and the receiver detect corruption at the chunk where it happened.
    /// </summary>
    public const int BulkChunkPrefixSize = 20;
    /// <summary>transfer id u64 | chunks received u32 | status u8.</summary>
    public const int BulkAckSize = 13;
    public const ushort HeartbeatResponseFlag = 1;

    public static DecodeStatus TryDecode(ReadOnlySequence<byte> buffer, int maxFrameSize, out Frame frame, out SequencePosition consumed, out string? error)
    {
        frame = default;
        consumed = buffer.Start;
        var status = TryDecodeHeader(buffer, maxFrameSize, out var type, out var flags, out var length, out error);
        if (status != DecodeStatus.Frame) return status;
        if (buffer.Length - HeaderSize < length) return DecodeStatus.NeedMoreData;
        var payload = buffer.Slice(HeaderSize, length);
        frame = new Frame(type, flags, payload);
        consumed = payload.End;
        return DecodeStatus.Frame;
    }

    /// <summary>Validates the 12-byte header alone; <see cref="DecodeStatus.Frame"/> means the header is good, not that the payload is here.</summary>
    public static DecodeStatus TryDecodeHeader(ReadOnlySequence<byte> buffer, int maxFrameSize, out FrameType type, out ushort flags, out int length, out string? error)
    {
        type = default;
        flags = 0;
        length = 0;
        error = null;
        Span<byte> header = stackalloc byte[HeaderSize];
        var available = (int)Math.Min(buffer.Length, HeaderSize);
        buffer.Slice(0, available).CopyTo(header);
        // Check what we have as soon as we have it, so a stranger's first bytes are refused without waiting for 12.
        if (available >= 2 && BinaryPrimitives.ReadUInt16LittleEndian(header) != Magic)
        {
            error = $"bad magic 0x{BinaryPrimitives.ReadUInt16LittleEndian(header):X4} (not an ActorCodistill peer)";
            return DecodeStatus.ProtocolError;
        }
        if (available >= 3 && header[2] != ProtocolVersion)
        {
            error = $"unsupported protocol version {header[2]} (this node speaks {ProtocolVersion})";
            return DecodeStatus.ProtocolError;
        }
        if (available >= 4 && !Enum.IsDefined((FrameType)header[3]))
        {
            error = $"unknown frame type {header[3]}";
            return DecodeStatus.ProtocolError;
        }
        if (available < HeaderSize) return DecodeStatus.NeedMoreData;

        type = (FrameType)header[3];
        flags = BinaryPrimitives.ReadUInt16LittleEndian(header[4..]);
        var reserved = BinaryPrimitives.ReadUInt16LittleEndian(header[6..]);
        var rawLength = BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
        if (reserved != 0)
        {
            error = $"reserved header bits set (0x{reserved:X4})";
            return DecodeStatus.ProtocolError;
        }
        if (rawLength > (uint)maxFrameSize)
        {
            error = $"oversize frame: {type} of {rawLength} bytes exceeds maximum-frame-size {maxFrameSize}";
            return DecodeStatus.ProtocolError;
        }
        if (!ValidFlagsAndLength(type, flags, rawLength, out error)) return DecodeStatus.ProtocolError;
        length = (int)rawLength;
        return DecodeStatus.Frame;
    }

    private static bool ValidFlagsAndLength(FrameType type, ushort flags, uint length, out string? error)
    {
        error = type switch
        {
            FrameType.Handshake when flags is < (ushort)HandshakeStep.Hello or > (ushort)HandshakeStep.Accepted => $"bad handshake step {flags}",
            FrameType.Heartbeat when flags > HeartbeatResponseFlag => $"bad heartbeat flags {flags}",
            FrameType.BulkChunk when length <= BulkChunkPrefixSize => $"bulk chunk of {length} bytes has no data",
            FrameType.BulkAck when length != BulkAckSize => $"bulk ack of {length} bytes, expected {BulkAckSize}",
            FrameType.Control or FrameType.BulkHeader or FrameType.BulkChunk or FrameType.BulkAck or FrameType.Close when flags != 0
                => $"{type} frame with flags {flags}",
            _ => null,
        };
        return error is null;
    }

    public static void WriteHeader(Span<byte> destination, FrameType type, ushort flags, int payloadLength)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(destination, Magic);
        destination[2] = ProtocolVersion;
        destination[3] = (byte)type;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], flags);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], (uint)payloadLength);
    }

    public static void WriteMessage(IBufferWriter<byte> writer, FrameType type, ushort flags, IMessage message)
    {
        var size = message.CalculateSize();
        WriteHeader(writer.GetSpan(HeaderSize), type, flags, size);
        writer.Advance(HeaderSize);
        message.WriteTo(writer);
    }

    public static void WriteRaw(IBufferWriter<byte> writer, FrameType type, ushort flags, ReadOnlySpan<byte> payload)
    {
        WriteHeader(writer.GetSpan(HeaderSize), type, flags, payload.Length);
        writer.Advance(HeaderSize);
        writer.Write(payload);
    }

    /// <summary>Header and prefix of a bulk chunk; the chunk's bytes follow on the wire without being copied here.</summary>
    public static void WriteBulkChunkPrefix(Span<byte> destination, ulong transferId, uint chunkIndex, ulong runningChecksum, int dataLength)
    {
        WriteHeader(destination, FrameType.BulkChunk, 0, BulkChunkPrefixSize + dataLength);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[HeaderSize..], transferId);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[(HeaderSize + 8)..], chunkIndex);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[(HeaderSize + 12)..], runningChecksum);
    }

    public static void ReadBulkChunkPrefix(ReadOnlySequence<byte> payload, out ulong transferId, out uint chunkIndex, out ulong runningChecksum)
    {
        Span<byte> prefix = stackalloc byte[BulkChunkPrefixSize];
        payload.Slice(0, BulkChunkPrefixSize).CopyTo(prefix);
        transferId = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        chunkIndex = BinaryPrimitives.ReadUInt32LittleEndian(prefix[8..]);
        runningChecksum = BinaryPrimitives.ReadUInt64LittleEndian(prefix[12..]);
    }

    public static void WriteBulkAck(IBufferWriter<byte> writer, ulong transferId, uint chunksReceived, BulkAckStatus status)
    {
        Span<byte> ack = stackalloc byte[BulkAckSize];
        BinaryPrimitives.WriteUInt64LittleEndian(ack, transferId);
        BinaryPrimitives.WriteUInt32LittleEndian(ack[8..], chunksReceived);
        ack[12] = (byte)status;
        WriteRaw(writer, FrameType.BulkAck, 0, ack);
    }

    public static void ReadBulkAck(ReadOnlySequence<byte> payload, out ulong transferId, out uint chunksReceived, out BulkAckStatus status)
    {
        Span<byte> ack = stackalloc byte[BulkAckSize];
        payload.CopyTo(ack);
        transferId = BinaryPrimitives.ReadUInt64LittleEndian(ack);
        chunksReceived = BinaryPrimitives.ReadUInt32LittleEndian(ack[8..]);
        status = (BulkAckStatus)ack[12];
    }
}
