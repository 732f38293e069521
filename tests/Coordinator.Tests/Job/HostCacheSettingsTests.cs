using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Tests.Job;

/// <summary>The <c>memory.host-cache</c> key as the run reads it (reference.conf plus --set overrides).</summary>
[Trait("Category", "Unit")]
public class HostCacheSettingsTests
{
    [Fact]
    public void NotSet_IsTheLibraryDefaultOf1GiB()
    {
        Assert.Equal(1L << 30, TorchSetup.DefaultHostCacheBytes);
        Assert.Equal(TorchSetup.DefaultHostCacheBytes, TrainingSettings.Read().HostCacheBytes);
    }

    [Theory]
    [InlineData("256 MiB", 256L << 20)]
    [InlineData("64k", 64L << 10)]
    [InlineData("0", 0L)]
    public void Set_IsReadAsASize(string value, long expected) =>
        Assert.Equal(expected, TrainingSettings.Read($"memory.host-cache={value}").HostCacheBytes);

    [Theory]
    [InlineData("lots")]
    [InlineData("-1")]
    public void BadValue_IsRejectedNamingTheKey(string value)
    {
        var e = Assert.ThrowsAny<Exception>(() => TrainingSettings.Read($"memory.host-cache={value}"));
        Assert.Contains("memory.host-cache", e.Message);
    }
}
