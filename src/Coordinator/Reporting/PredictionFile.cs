using System.Buffers.Binary;
using System.Text;

namespace ActorCodistill.Coordinator.Reporting;

/// <summary>
/// <c>predictions-g&lt;group&gt;.bin</c>, little-endian:
/// <code>
/// 8 bytes  "CDPRED01"
/// int32    kind (0 classification, 1 binary)
/// int64    count
/// kind 0:  int32[count] top-1 ids, then float32[count] true-label probabilities
/// kind 1:  float32[count] positive-class probabilities
/// </code>
/// The length must match the header exactly; anything else is reported naming the file.
/// </summary>
public static class PredictionFile
{
    public const int HeaderLength = 8 + 4 + 8;

    private static readonly byte[] Magic = "CDPRED01"u8.ToArray();

    /// <summary>Writes through a temporary file, so a crash mid-write never leaves a plausible half file.</summary>
    public static void Write(string path, PredictionSet predictions)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            Span<byte> header = stackalloc byte[HeaderLength];
            Magic.CopyTo(header);
            BinaryPrimitives.WriteInt32LittleEndian(header[8..], (int)predictions.Kind);
            BinaryPrimitives.WriteInt64LittleEndian(header[12..], predictions.Count);
            stream.Write(header);
            var buffer = new byte[4 * predictions.Count];
            if (predictions.Kind == PredictionKind.Classification)
            {
                var top1 = predictions.Top1;
                for (var i = 0; i < top1.Length; i++)
                    BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(4 * i), top1[i]);
                stream.Write(buffer);
            }
            var probabilities = predictions.Probabilities;
            for (var i = 0; i < probabilities.Length; i++)
                BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(4 * i), probabilities[i]);
            stream.Write(buffer);
        }
        File.Move(temporary, path, overwrite: true);
    }

    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">Bad magic, unknown kind, wrong length or a probability outside [0, 1]; the message names the file.</exception>
    public static PredictionSet Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: prediction file not found", path);
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < HeaderLength)
            throw Bad(path, $"truncated: {bytes.Length} bytes, shorter than the {HeaderLength}-byte header");
        if (!bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw Bad(path, $"bad magic '{Printable(bytes.AsSpan(0, Magic.Length))}', expected 'CDPRED01' (not a prediction file)");

        var kindValue = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8));
        if (kindValue is not ((int)PredictionKind.Classification or (int)PredictionKind.Binary))
            throw Bad(path, $"unknown kind {kindValue} (0 = classification, 1 = binary)");
        var kind = (PredictionKind)kindValue;

        var count = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(12));
        var arrays = kind == PredictionKind.Classification ? 2 : 1;
        // Checked against the actual length first, so a garbage count cannot overflow or allocate.
        var body = bytes.LongLength - HeaderLength;
        if (count < 0 || count > body / (4L * arrays))
            throw Bad(path, $"truncated: header says {count} examples ({HeaderLength + 4L * arrays * Math.Max(count, 0)} bytes) but the file has {bytes.LongLength} bytes");
        if (body != 4L * arrays * count)
            throw Bad(path, $"{body - 4L * arrays * count} trailing bytes after {count} examples");

        var n = (int)count;
        var offset = HeaderLength;
        var top1 = Array.Empty<int>();
        if (kind == PredictionKind.Classification)
        {
            top1 = new int[n];
            for (var i = 0; i < n; i++, offset += 4)
                top1[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(offset));
        }
        var probabilities = new float[n];
        for (var i = 0; i < n; i++, offset += 4)
            probabilities[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(offset));

        PredictionSet.CheckProbabilities(probabilities, path, message => new InvalidDataException(message));
        return PredictionSet.Trusted(kind, top1, probabilities, path);
    }

    private static InvalidDataException Bad(string path, string what) => new($"{path}: {what}");

    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
            text.Append(b is >= 0x20 and < 0x7f ? (char)b : '?');
        return text.ToString();
    }
}
