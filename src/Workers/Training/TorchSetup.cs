using System.Runtime.InteropServices;
using TorchSharp;

namespace ActorCodistill.Workers.Training;

/// <summary>
/// Process start-up for anything that trains (the embedded run, a worker node, tests that run jobs): libtorch's
/// thread count and the C allocator's settings are process-wide, so they are set once, explicitly, and printed.
/// </summary>
public static partial class TorchSetup
{
    /// <summary>Default for <c>memory.host-cache</c>: 1 GiB of freed memory a process may keep for reuse.</summary>
    public const long DefaultHostCacheBytes = 1L << 30;

    private const int MallocTrimThreshold = -1; // M_TRIM_THRESHOLD
    private const int MallocMmapMax = -4;       // M_MMAP_MAX

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int Mallopt(int parameter, int value);

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);

    /// <summary>
    /// Sets OMP_WAIT_POLICY=PASSIVE for this process unless the user chose a policy. libtorch's libgomp reads it once,
    /// when libtorch loads, and under its default (spinning) policy idle intra-op threads take the cores other workers
    /// of the process need (~2x step time on 2 cores). .NET's Environment does not reach the native environment on
    /// Linux, hence setenv. Call before the first torch call.
    /// </summary>
    public static void PrepareProcessEnvironment(string waitPolicy = "PASSIVE")
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OMP_WAIT_POLICY"))) return;
        if (OperatingSystem.IsLinux()) SetEnv("OMP_WAIT_POLICY", waitPolicy, 0);
        Environment.SetEnvironmentVariable("OMP_WAIT_POLICY", waitPolicy);
    }

    /// <summary>
    /// Sets libtorch's intra-op thread count (TorchSharp's libtorch computes with oneMKL and oneDNN, whose threads
    /// follow it: there is no separate BLAS pool to set, so <paramref name="blasThreads"/> is only reported as
    /// unused), applies the host cache (<see cref="ApplyHostCache"/>) and returns one line for the log.
    /// </summary>
    public static string InitializeAndDescribe(int intraOpThreads, int blasThreads, long hostCacheBytes = DefaultHostCacheBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(intraOpThreads, 1);
        torch.set_num_threads(intraOpThreads);
        var cache = ApplyHostCache(hostCacheBytes);
        var wait = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") ?? "(unset)";
        return $"TorchSharp {typeof(torch).Assembly.GetName().Version?.ToString(3)} on libtorch {torch.__version__} (CPU{(torch.cuda.is_available() ? ", CUDA available" : "")}); " +
               $"torch threads {torch.get_num_threads()} (oneMKL/oneDNN follow it; threads.blas = {blasThreads} has no pool to set); " +
               $"OMP_WAIT_POLICY={wait}; {cache}";
    }

    /// <summary>
    /// True on a CPU with bfloat16 arithmetic (AVX512-BF16 or AMX-BF16, from /proc/cpuinfo), where libtorch's bfloat16
    /// matmuls and RNNs run faster than float32 ones; elsewhere bfloat16 is emulated and slower.
    /// </summary>
    public static bool CpuHasFastBFloat16()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith("flags", StringComparison.Ordinal))
                    return line.Split(' ', StringSplitOptions.RemoveEmptyEntries) is var flags
                           && (flags.Contains("avx512_bf16") || flags.Contains("amx_bf16"));
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return false;
    }

    /// <summary>
    /// Keeps up to <paramref name="capBytes"/> of freed memory in the process for reuse instead of handing every large
    /// step buffer back to the kernel: glibc serves blocks of 128 KiB and more with mmap and unmaps them on free, and
    /// trims the heap top past 128 KiB, so each step page-faulted its multi-MiB activations in again (TorchSharp's LSTM
    /// step: 1,078 ms with glibc's defaults, 493 ms with this, measured in issue 16). Large blocks then come from the
    /// heap (M_MMAP_MAX = 0) and the heap top is trimmed only past the cap (M_TRIM_THRESHOLD). The cost: resident
    /// memory no longer shrinks below the peak plus the cap (docs/bench-torch.md). 0 leaves glibc's defaults.
    /// Applies to allocations made after the call; one setting per process.
    /// </summary>
    public static string ApplyHostCache(long capBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capBytes);
        if (capBytes == 0) return "host cache off (glibc malloc defaults)";
        if (!OperatingSystem.IsLinux()) return "host cache not applied (glibc malloc only)";
        var threshold = (int)Math.Min(capBytes, int.MaxValue);
        var ok = Mallopt(MallocMmapMax, 0) == 1 & Mallopt(MallocTrimThreshold, threshold) == 1;
        return ok ? $"host cache {capBytes >> 20} MiB (glibc: no mmap for large blocks, trim past the cap)"
                  : "host cache not applied (mallopt refused)";
    }
}
