// TorchSharp-shaped lower-case type names (torch, nn, functional) are deliberate.
#pragma warning disable CS8981
namespace ActorCodistill.Torch;

/// <summary>The caching CPU allocator's counters: idle bytes held, their cap, reuses, system allocations, blocks in use.</summary>
public readonly record struct HostCacheStats(bool Installed, long CachedBytes, long CapBytes, long Hits, long Misses, long LiveBlocks);

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

    /// <summary>Default cap on the idle bytes the host cache keeps (<see cref="set_host_cache"/>): 1 GiB.</summary>
    public const long DefaultHostCacheBytes = 1L << 30;

    /// <summary>
    /// Installs (once per process) a caching allocator for CPU tensors of 64 KiB and more as libtorch's CPU
    /// allocator, and caps the bytes it keeps idle. Freed blocks wait in free lists by page-rounded size and are
    /// handed out again, so the same multi-MiB tensors allocated every step stop costing page faults (glibc gives
    /// them back to the kernel or fragments its heap; about a fifth of a demo teacher forward went to clearing
    /// pages). A free that would pass the cap releases its block, so 0 caches nothing and releases what is cached.
    /// Tensors allocated before the call are freed the way they were allocated.
    /// </summary>
    public static void set_host_cache(long capBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capBytes);
        NativeMethods.Check(NativeMethods.cdt_host_cache_configure(capBytes), "set_host_cache");
    }

    /// <summary>The host cache's counters; all zero and Installed false before <see cref="set_host_cache"/>.</summary>
    public static HostCacheStats host_cache_stats()
    {
        NativeMethods.Check(NativeMethods.cdt_host_cache_stats(out var installed, out var cached, out var cap, out var hits, out var misses, out var live), "host_cache_stats");
        return new HostCacheStats(installed != 0, cached, cap, hits, misses, live);
    }

    /// <summary>
    /// Start-up for a process that trains: checks the libtorch version (throws on a mismatch), sets the
    /// intra-op and OpenBLAS thread counts explicitly (both pools otherwise default to every core, which
    /// oversubscribes a machine running several workers), installs the host cache with
    /// <paramref name="hostCacheBytes"/> as its cap (<see cref="set_host_cache"/>), and returns one line for the log.
    /// </summary>
    public static string InitializeAndDescribe(int intraOpThreads, int blasThreads, long hostCacheBytes = DefaultHostCacheBytes)
    {
        var version = TorchRuntime.CheckVersion();
        set_num_threads(intraOpThreads);
        var blasFound = set_blas_threads(blasThreads);
        var blas = blasFound ? $"BLAS threads {get_blas_threads()} (OpenBLAS)" : "BLAS threads not set (no OpenBLAS symbols found)";
        var wait = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") ?? "(unset)";
        set_host_cache(hostCacheBytes);
        return $"{version}; torch threads {get_num_threads()}; {blas}; OMP_WAIT_POLICY={wait}; host cache cap {hostCacheBytes >> 20} MiB";
    }
}
