// TorchSharp-shaped lower-case type names (torch, nn, functional) are deliberate.
#pragma warning disable CS8981
namespace ActorCodistill.Torch;

public static partial class torch
{
    /// <summary>libtorch's intra-op thread count (at::set_num_threads). Does not reach OpenBLAS's own pool.</summary>
    public static void set_num_threads(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        NativeMethods.Check(NativeMethods.cdt_set_num_threads(threads), "set_num_threads");
    }

    public static int get_num_threads()
    {
        NativeMethods.Check(NativeMethods.cdt_get_num_threads(out var n), "get_num_threads");
        return n;
    }

    /// <summary>
    /// Sets OpenBLAS's thread pool size (it keeps its own, separate from libtorch's). Returns false when
    /// no OpenBLAS is loaded (another BLAS backs libtorch), in which case nothing changed.
    /// </summary>
    public static bool set_blas_threads(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        NativeMethods.Check(NativeMethods.cdt_blas_threads(threads, out var found, out _), "set_blas_threads");
        return found != 0;
    }

    /// <summary>OpenBLAS's current thread count, or -1 when no OpenBLAS is loaded.</summary>
    public static int get_blas_threads()
    {
        NativeMethods.Check(NativeMethods.cdt_blas_threads(0, out _, out var current), "get_blas_threads");
        return current;
    }

    /// <summary>
    /// Start-up for a process that trains: checks the libtorch version (throws on a mismatch), sets the
    /// intra-op and OpenBLAS thread counts explicitly (both pools otherwise default to every core, which
    /// oversubscribes a machine running several workers), and returns one line for the log.
    /// </summary>
    public static string InitializeAndDescribe(int intraOpThreads, int blasThreads)
    {
        var version = TorchRuntime.CheckVersion();
        set_num_threads(intraOpThreads);
        var blasFound = set_blas_threads(blasThreads);
        var blas = blasFound ? $"BLAS threads {get_blas_threads()} (OpenBLAS)" : "BLAS threads not set (no OpenBLAS symbols found)";
        var wait = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") ?? "(unset)";
        return $"{version}; torch threads {get_num_threads()}; {blas}; OMP_WAIT_POLICY={wait}";
    }
}
