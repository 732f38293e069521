using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace ActorCodistill.Cluster.Persistence;

/// <summary>
/// The on-disk format of one checkpoint (all integers little-endian):
/// <code>
/// magic "CODICKPT" | u32 version (1) | u32 header length (bytes from magic to payload)
/// i64 step | i64 payload length | i64 created (UTC ticks) | u32 metadata count
/// per entry: u32 key length, UTF-8 key, u32 value length, UTF-8 value
/// payload
/// SHA-256 of everything above (32 bytes)
/// </code>
/// The header length makes room for later fields; the payload length plus the file length tell a truncated
/// file from a whole one before the checksum is even computed.
/// </summary>
internal static class CheckpointFile
{
    public const int Version = 1;
    public const int FixedHeaderLength = 8 + 4 + 4 + 8 + 8 + 8 + 4;
    public const int ChecksumLength = 32;
    public const int MaxHeaderLength = 1 << 20;

    private static ReadOnlySpan<byte> Magic => "CODICKPT"u8;

    public static byte[] WriteHeader(long step, int payloadLength, DateTimeOffset created, IReadOnlyDictionary<string, string>? metadata)
    {
        var entries = (metadata ?? new Dictionary<string, string>())
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => (Key: Encoding.UTF8.GetBytes(kv.Key), Value: Encoding.UTF8.GetBytes(kv.Value)))
            .ToArray();
        var length = FixedHeaderLength + entries.Sum(e => 8L + e.Key.Length + e.Value.Length);
        if (length > MaxHeaderLength)
            throw new ArgumentException($"checkpoint metadata takes {length} bytes; at most {MaxHeaderLength} fit in a header", nameof(metadata));
        var header = new byte[length];
        var span = header.AsSpan();
        Magic.CopyTo(span);
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], Version);
        BinaryPrimitives.WriteUInt32LittleEndian(span[12..], (uint)length);
        BinaryPrimitives.WriteInt64LittleEndian(span[16..], step);
        BinaryPrimitives.WriteInt64LittleEndian(span[24..], payloadLength);
        BinaryPrimitives.WriteInt64LittleEndian(span[32..], created.UtcTicks);
        BinaryPrimitives.WriteUInt32LittleEndian(span[40..], (uint)entries.Length);
        var at = FixedHeaderLength;
        foreach (var (key, value) in entries)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(span[at..], (uint)key.Length);
            key.CopyTo(span[(at + 4)..]);
            at += 4 + key.Length;
            BinaryPrimitives.WriteUInt32LittleEndian(span[at..], (uint)value.Length);
            value.CopyTo(span[(at + 4)..]);
            at += 4 + value.Length;
        }
        return header;
    }

    public sealed record Header(int Length, long Step, long PayloadLength, DateTimeOffset Created, IReadOnlyDictionary<string, string> Metadata);

    /// <summary>Parses the header from the start of a file of <paramref name="fileLength"/> bytes; null with a reason when it is not a whole checkpoint.</summary>
    public static (Header?, string?) ReadHeader(ReadOnlySpan<byte> start, long fileLength)
    {
        if (fileLength < FixedHeaderLength + ChecksumLength || start.Length < FixedHeaderLength)
            return (null, $"truncated: {fileLength} bytes is shorter than the smallest checkpoint ({FixedHeaderLength + ChecksumLength} bytes)");
        if (!start[..8].SequenceEqual(Magic))
            return (null, $"wrong magic {Convert.ToHexString(start[..8])}: not a checkpoint file (expected \"CODICKPT\")");
        var version = BinaryPrimitives.ReadUInt32LittleEndian(start[8..]);
        if (version != Version)
            return (null, $"unsupported format version {version} (this build reads version {Version})");
        var headerLength = BinaryPrimitives.ReadUInt32LittleEndian(start[12..]);
        if (headerLength is < FixedHeaderLength or > MaxHeaderLength)
            return (null, $"header length {headerLength} is out of range");
        if (start.Length < headerLength)
            return (null, $"truncated: the header needs {headerLength} bytes, the file has {fileLength}");
        var step = BinaryPrimitives.ReadInt64LittleEndian(start[16..]);
        var payloadLength = BinaryPrimitives.ReadInt64LittleEndian(start[24..]);
        if (payloadLength < 0)
            return (null, $"negative payload length {payloadLength}");
        var expected = headerLength + payloadLength + ChecksumLength;
        if (fileLength < expected)
            return (null, $"truncated: {fileLength} bytes, the header promises {expected} ({payloadLength}-byte payload)");
        if (fileLength > expected)
            return (null, $"{fileLength - expected} unexpected bytes after the checksum (header promises {expected} bytes)");
        var ticks = BinaryPrimitives.ReadInt64LittleEndian(start[32..]);
        if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks)
            return (null, $"creation time {ticks} ticks is out of range");
        var count = BinaryPrimitives.ReadUInt32LittleEndian(start[40..]);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var at = FixedHeaderLength;
        for (var i = 0; i < count; i++)
        {
            if (!TryReadString(start, headerLength, ref at, out var key) || !TryReadString(start, headerLength, ref at, out var value))
                return (null, $"metadata entry {i} of {count} runs past the {headerLength}-byte header");
            metadata[key] = value;
        }
        return (new Header((int)headerLength, step, payloadLength, new DateTimeOffset(ticks, TimeSpan.Zero), metadata), null);
    }

    private static bool TryReadString(ReadOnlySpan<byte> header, uint headerLength, ref int at, out string value)
    {
        value = "";
        if (at + 4 > headerLength)
            return false;
        var length = BinaryPrimitives.ReadUInt32LittleEndian(header[at..]);
        if (length > headerLength - at - 4)
            return false;
        try
        {
            value = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(header.Slice(at + 4, (int)length));
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
        at += 4 + (int)length;
        return true;
    }

    /// <summary>Null when the trailing SHA-256 matches header + payload, else the reason.</summary>
    public static string? VerifyChecksum(ReadOnlySpan<byte> file)
    {
        var body = file[..^ChecksumLength];
        Span<byte> actual = stackalloc byte[ChecksumLength];
        SHA256.HashData(body, actual);
        return CryptographicOperations.FixedTimeEquals(actual, file[^ChecksumLength..])
            ? null
            : $"SHA-256 of the {body.Length} bytes before the checksum does not match the stored one (flipped or overwritten bytes)";
    }
}
