using System.Globalization;

namespace ActorCodistill.Bench.Codistill;

/// <summary>Command line of the codistillation step benchmark; names and defaults follow the anchor's step_bench.py.</summary>
internal sealed record BenchOptions(int Threads, int BlasThreads, double Budget, int Warmup, int MinSteps, int MaxSteps, bool Group, bool Single,
    ActorCodistill.Workers.Training.TeacherPrecision TeacherPrecision)
{
    public static BenchOptions Parse(string[] args)
    {
        string? Value(string name)
        {
            var index = Array.IndexOf(args, name);
            if (index < 0) return null;
            if (index + 1 >= args.Length) throw new ArgumentException($"missing value for {name}");
            return args[index + 1];
        }
        int Int(string name, int fallback) => Value(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        var parts = (Value("--parts") ?? "single,group").Split(',', StringSplitOptions.RemoveEmptyEntries);
        foreach (var p in parts)
            if (p is not ("single" or "group")) throw new ArgumentException($"--parts: unknown part '{p}' (single, group)");
        return new BenchOptions(
            Int("--threads", 1),
            Int("--blas-threads", 1),
            Value("--budget") is { } b ? double.Parse(b, CultureInfo.InvariantCulture) : 10.0,
            Int("--warmup", 3),
            Int("--min-steps", 8),
            Int("--max-steps", 2000),
            parts.Contains("group"),
            parts.Contains("single"),
            (Value("--teacher-precision") ?? "float32") switch
            {
                "float32" => ActorCodistill.Workers.Training.TeacherPrecision.Float32,
                "bfloat16" => ActorCodistill.Workers.Training.TeacherPrecision.BFloat16,
                var other => throw new ArgumentException($"--teacher-precision: unknown value '{other}' (float32, bfloat16)"),
            });
    }
}
