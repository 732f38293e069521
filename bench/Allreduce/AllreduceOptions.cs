using System.Globalization;

namespace ActorCodistill.Bench.Allreduce;

internal sealed record AllreduceOptions(
    int? Member, IReadOnlyList<int> Worlds, IReadOnlyList<long> Sizes, IReadOnlyList<int> Ports, double Budget,
    bool Csv, bool Checksums, int ChunkKiB, int Window, int MinReps, int MaxReps, int SegmentKiB)
{
    public static AllreduceOptions Parse(string[] args)
    {
        string? Value(string name)
        {
            var index = Array.IndexOf(args, name);
            if (index < 0) return null;
            if (index + 1 >= args.Length) throw new ArgumentException($"missing value for {name}");
            return args[index + 1];
        }
        int Int(string name, int fallback) => Value(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        return new AllreduceOptions(
            Value("--member") is { } m ? int.Parse(m, CultureInfo.InvariantCulture) : null,
            (Value("--world") ?? "2,3,4").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(w => int.Parse(w, CultureInfo.InvariantCulture)).ToList(),
            (Value("--sizes") ?? "4M,64M").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(ParseBytes).ToList(),
            (Value("--ports") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToList(),
            Value("--budget") is { } b ? double.Parse(b, CultureInfo.InvariantCulture) : 2.0,
            args.Contains("--csv"),
            args.Contains("--checksums"),
            Int("--chunk-kib", 1024),
            Int("--window", 16),
            Int("--min-reps", 10),
            Int("--max-reps", 2000),
            Int("--segment-kib", 1024));
    }

    /// <summary>"4K", "64M", "1G" or plain bytes, as the anchor's --sizes.</summary>
    public static long ParseBytes(string text)
    {
        var t = text.Trim();
        var multiplier = char.ToUpperInvariant(t[^1]) switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, _ => 1L };
        if (multiplier != 1) t = t[..^1];
        var bytes = long.Parse(t, CultureInfo.InvariantCulture) * multiplier;
        if (bytes <= 0 || bytes % sizeof(float) != 0) throw new ArgumentException($"--sizes: {text} is not a positive multiple of 4 bytes");
        return bytes;
    }

    public string Describe() =>
        $"ring {(SegmentKiB > 0 ? $"segments of {SegmentKiB} KiB, zero copy, pipelined" : "whole chunks, copied")}, bulk chunk {ChunkKiB} KiB, window {Window}, checksums {(Checksums ? "on" : "off")}, budget {Budget.ToString(CultureInfo.InvariantCulture)} s/size, min reps {MinReps}";
}
