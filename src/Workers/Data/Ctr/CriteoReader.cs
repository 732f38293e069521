using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace ActorCodistill.Workers.Data;

public sealed record CriteoReaderOptions
{
    /// <summary>Hash buckets per categorical field including the missing bucket 0; values land in 1..BucketCount-1.</summary>
    public int BucketCount { get; init; } = 1 << 20;

    /// <summary>Throw on the first malformed line (naming file and line) instead of counting it.</summary>
    public bool Strict { get; init; }

    /// <summary>How many malformed lines the report lists; all are counted.</summary>
    public int MaxReportedErrors { get; init; } = 100;

    /// <summary>Stop after this many good examples (null = read everything).</summary>
    public long? Limit { get; init; }
}

public sealed record CriteoLineError(long LineNumber, string Reason);

/// <summary>What a read saw: every line is either an example or a counted malformed line.</summary>
public sealed record CriteoReadReport(string Source, long LinesRead, long Examples, long Malformed, IReadOnlyList<CriteoLineError> FirstErrors)
{
    public override string ToString() =>
        $"{Source}: {LinesRead} lines, {Examples} examples, {Malformed} malformed"
        + (FirstErrors.Count == 0 ? "" : $" (first: line {FirstErrors[0].LineNumber}: {FirstErrors[0].Reason})");
}

public sealed record CriteoReadResult(IReadOnlyList<CtrExample> Examples, CriteoReadReport Report);

/// <summary>
/// Reads the Criteo Display Advertising Challenge TSV: <c>label \t I1..I13 \t C1..C26</c>, no header,
/// empty field = missing. Dense: log(1 + x) for x &gt; 0, else 0 (negative values clamp to 0,
/// missing = 0). Categorical: hex strings, hashed with FNV-1a-64 over (field index byte, lower-case
/// value) into 1..BucketCount-1; missing = bucket 0. A line with the wrong field count, a label
/// other than 0/1, a non-integer dense value or a non-hex categorical value is malformed: counted
/// and listed with its line number (1-based), never turned into an example.
/// </summary>
public static class CriteoReader
{
    public static CriteoReadResult ReadFile(string path, CriteoReaderOptions? options = null)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Criteo file '{path}' does not exist.", path);
        }
        using var stream = File.OpenRead(path);
        using Stream data = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
            ? new GZipStream(stream, CompressionMode.Decompress)
            : stream;
        using var reader = new StreamReader(data, Encoding.UTF8);
        return Read(reader, path, options);
    }

    public static CriteoReadResult Read(TextReader reader, string source, CriteoReaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        options ??= new CriteoReaderOptions();
        if (options.BucketCount < 2)
        {
            throw new ArgumentException($"CriteoReaderOptions.BucketCount must be at least 2, got {options.BucketCount}.");
        }
        var examples = new List<CtrExample>();
        var errors = new List<CriteoLineError>();
        long lineNo = 0, malformed = 0;
        while ((options.Limit is null || examples.Count < options.Limit) && reader.ReadLine() is { } line)
        {
            lineNo++;
            var example = ParseLine(line, options.BucketCount, out var reason);
            if (example is not null)
            {
                examples.Add(example);
                continue;
            }
            if (options.Strict)
            {
                throw new InvalidDataException($"{source}:{lineNo}: {reason}");
            }
            malformed++;
            if (errors.Count < options.MaxReportedErrors)
            {
                errors.Add(new CriteoLineError(lineNo, reason!));
            }
        }
        return new CriteoReadResult(examples, new CriteoReadReport(source, lineNo, examples.Count, malformed, errors));
    }

    /// <summary>Parses one line; null and a reason when it is malformed.</summary>
    public static CtrExample? ParseLine(string line, int bucketCount, out string? reason)
    {
        var span = line.AsSpan().TrimEnd('\r');
        Span<Range> fields = stackalloc Range[CtrExample.FieldCount + 1];
        var n = span.Split(fields, '\t');
        if (n != CtrExample.FieldCount)
        {
            var actual = span.Count('\t') + 1;
            reason = $"expected {CtrExample.FieldCount} tab-separated fields, found {actual}";
            return null;
        }
        var labelText = span[fields[0]];
        if (labelText is not "0" and not "1")
        {
            reason = $"label '{Clip(labelText)}' is not 0 or 1";
            return null;
        }
        var dense = new float[CtrExample.DenseCount];
        for (var i = 0; i < CtrExample.DenseCount; i++)
        {
            var text = span[fields[1 + i]];
            if (text.IsEmpty)
            {
                continue;
            }
            if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var x))
            {
                reason = $"integer feature I{i + 1} '{Clip(text)}' is not an integer";
                return null;
            }
            dense[i] = x > 0 ? (float)Math.Log(1.0 + x) : 0f;
        }
        var categorical = new int[CtrExample.CategoricalCount];
        Span<byte> key = stackalloc byte[17];
        for (var j = 0; j < CtrExample.CategoricalCount; j++)
        {
            var text = span[fields[1 + CtrExample.DenseCount + j]];
            if (text.IsEmpty)
            {
                categorical[j] = CtrExample.MissingBucket;
                continue;
            }
            if (text.Length > 16 || !IsHex(text))
            {
                reason = $"categorical feature C{j + 1} '{Clip(text)}' is not a hex string of 1 to 16 digits";
                return null;
            }
            categorical[j] = Bucket(j, text, bucketCount, key);
        }
        reason = null;
        return new CtrExample(labelText[0] == '1' ? 1f : 0f, dense, categorical);
    }

    /// <summary>The bucket of one categorical value (field index 0..25), in 1..bucketCount-1.</summary>
    public static int Bucket(int field, ReadOnlySpan<char> hexValue, int bucketCount)
    {
        Span<byte> key = stackalloc byte[17];
        return Bucket(field, hexValue, bucketCount, key);
    }

    private static int Bucket(int field, ReadOnlySpan<char> hexValue, int bucketCount, Span<byte> key)
    {
        key[0] = (byte)field;
        for (var i = 0; i < hexValue.Length; i++)
        {
            key[1 + i] = (byte)char.ToLowerInvariant(hexValue[i]);
        }
        var h = Fnv1a64.Hash(key[..(1 + hexValue.Length)]);
        return 1 + (int)(h % (ulong)(bucketCount - 1));
    }

    private static bool IsHex(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }
        return true;
    }

    private static string Clip(ReadOnlySpan<char> s) => s.Length <= 40 ? s.ToString() : s[..40].ToString() + "...";
}
