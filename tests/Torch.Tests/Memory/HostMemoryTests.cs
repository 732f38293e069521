using static ActorCodistill.Torch.torch;

namespace ActorCodistill.Torch.Tests.Memory;

// The caching CPU allocator (src/Torch/native/host_allocator.cpp). Tests in this assembly run one at a time
// (TestParallelism.cs), so the process-wide counters move only with what each test does.
[Trait("Category", "Unit")]
public class HostMemoryTests
{
    private const long Mib = 1 << 20;

    // Minor page faults of the calling thread (field 10 of /proc/thread-self/stat, after the parenthesised name).
    private static long MinorFaults()
    {
        var stat = File.ReadAllText("/proc/thread-self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[7], System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public void RepeatedLargeTensor_ReusesItsBlock_WithoutPageFaults()
    {
        set_host_cache(DefaultHostCacheBytes);
        const int elements = 4 << 20;  // 16 MiB of float32: 4096 pages
        using (var warm = ones(elements)) Assert.Equal(elements, warm.sum().item<float>());
        var before = host_cache_stats();
        var faults = MinorFaults();
        for (var i = 0; i < 10; i++)
        {
            using var t = ones(elements);
            Assert.Equal(elements, t.sum().item<float>());
        }
        faults = MinorFaults() - faults;
        var after = host_cache_stats();
        // Measured here: 4 with the cache; about 3000 without it (glibc maps fresh pages until its adaptive mmap
        // threshold has risen past 16 MiB, then keeps faulting as aligned blocks of the same size fragment its heap).
        Assert.True(faults < 512, $"{faults} minor page faults over 10 rounds of a 16 MiB tensor");
        Assert.True(after.Hits - before.Hits >= 10, $"hits {before.Hits} -> {after.Hits}");
    }

    [Fact]
    public void LiveBlocks_NeverAlias_UnderRandomAllocateAndFree()
    {
        set_host_cache(DefaultHostCacheBytes);
        var random = new Random(7);
        // Sizes on both sides of the 64 KiB floor, repeating so that freed blocks are handed out again.
        int[] sizes = [1000, 16_000, 16_384, 40_000, 262_144, 300_000, 1_048_576];
        var live = new List<(Tensor Tensor, float Mark)>();
        // Tensors that earlier tests left to the finalizer would otherwise free their blocks on the finalizer thread
        // in the middle of this test and move the process-wide live count under it.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var baseline = host_cache_stats();
        for (var op = 0; op < 400; op++)
        {
            if (live.Count > 0 && random.NextDouble() < 0.45)
            {
                var i = random.Next(live.Count);
                live[i].Tensor.Dispose();
                live.RemoveAt(i);
            }
            else
            {
                var t = empty([sizes[random.Next(sizes.Length)]]);
                t.zero_().add_(op);
                live.Add((t, op));
            }
            if (op % 20 == 0)
                foreach (var (t, mark) in live)
                {
                    Assert.Equal(mark, t.min().item<float>());
                    Assert.Equal(mark, t.max().item<float>());
                }
        }
        var during = host_cache_stats();
        Assert.True(during.Hits > baseline.Hits, "freed blocks were never handed out again");
        foreach (var (t, _) in live) t.Dispose();
        Assert.Equal(baseline.LiveBlocks, host_cache_stats().LiveBlocks);
    }

    [Fact]
    public void Cap_BoundsIdleBytes_AndZeroReleasesTheCache()
    {
        set_host_cache(DefaultHostCacheBytes);
        using (var a = ones(1 << 20)) { }  // 4 MiB back into the cache
        Assert.True(host_cache_stats().CachedBytes >= 4 * Mib);

        set_host_cache(6 * Mib);
        var stats = host_cache_stats();
        Assert.Equal(6 * Mib, stats.CapBytes);
        Assert.True(stats.CachedBytes <= 6 * Mib, $"{stats.CachedBytes} bytes cached over a 6 MiB cap");
        var list = Enumerable.Range(0, 4).Select(_ => ones(1 << 20)).ToList();  // 16 MiB live
        foreach (var t in list) t.Dispose();
        stats = host_cache_stats();
        Assert.True(stats.CachedBytes <= 6 * Mib, $"{stats.CachedBytes} bytes cached over a 6 MiB cap");

        set_host_cache(0);
        Assert.Equal(0, host_cache_stats().CachedBytes);
        using (var b = ones(1 << 20)) { }
        Assert.Equal(0, host_cache_stats().CachedBytes);
        set_host_cache(DefaultHostCacheBytes);
    }

    [Fact]
    public void NegativeCap_IsRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => set_host_cache(-1));
    }
}
