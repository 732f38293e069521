using static ActorCodistill.Torch.torch;

namespace ActorCodistill.Torch.Tests.Tensors;

[Trait("Category", "Unit")]
public class ThreadsTests
{
    [Fact]
    public void InitializeAndDescribe_SetsThreadsAndDescribesRuntime()
    {
        var line = InitializeAndDescribe(1, 1);
        Assert.Contains("libtorch 1.13", line);
        Assert.Contains("libtorch_cpu", line);
        Assert.Contains("torch threads 1", line);
        Assert.Contains("OMP_WAIT_POLICY=", line);
        Assert.Contains("host cache cap 1024 MiB", line);
        Assert.True(host_cache_stats().Installed);
        Assert.Equal(DefaultHostCacheBytes, host_cache_stats().CapBytes);
        Assert.Equal(1, get_num_threads());
        // Debian's libtorch links OpenBLAS: the shim must find its thread setter.
        Assert.Contains("BLAS threads 1 (OpenBLAS)", line);
        Assert.Equal(1, get_blas_threads());
    }
}
