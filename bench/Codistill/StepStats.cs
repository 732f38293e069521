using System.Globalization;

namespace ActorCodistill.Bench.Codistill;

/// <summary>Per-step timings of one variant: the step, and the parts of it that the report explains.</summary>
internal sealed class StepStats(string name)
{
    public string Name { get; } = name;
    public List<double> StepMs { get; } = [];
    public List<double> TeacherMs { get; } = [];
    public List<double> WaitMs { get; } = [];

    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return double.NaN;
        var s = values.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    public double MedianStep => Median(StepMs);

    public string Row(int torchThreads, int blasThreads) => string.Create(CultureInfo.InvariantCulture,
        $"step,csharp,{Name},{torchThreads},{blasThreads},{StepMs.Count},{StepMs.Min():F2},{MedianStep:F2},{StepMs.Max():F2},{Median(TeacherMs):F2},{Median(WaitMs):F2}");

    public const string Header = "bench,impl,variant,torch_threads,blas_threads,steps,min_ms,median_ms,max_ms,teacher_ms,allreduce_wait_ms";
}
