using static ActorCodistill.Torch.torch;

namespace ActorCodistill.Torch.Tests.Tensors;

[Trait("Category", "Unit")]
public class DeviceTests
{
    [Theory]
    [InlineData("cpu", DeviceType.CPU, -1, "cpu")]
    [InlineData("CPU", DeviceType.CPU, -1, "cpu")]
    [InlineData("cuda", DeviceType.CUDA, -1, "cuda")]
    [InlineData("cuda:1", DeviceType.CUDA, 1, "cuda:1")]
    public void Parse_ValidSpec_GivesTypeAndIndex(string spec, DeviceType type, int index, string text)
    {
        var device = Device.Parse(spec);
        Assert.Equal(type, device.Type);
        Assert.Equal(index, device.Index);
        Assert.Equal(text, device.ToString());
        Assert.Equal(device, new Device(spec));
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:")]
    [InlineData("cuda:-1")]
    [InlineData("cuda:x")]
    [InlineData("")]
    public void Parse_BadSpec_ThrowsNamingTheString(string spec)
    {
        var e = Assert.Throws<FormatException>(() => Device.Parse(spec));
        Assert.Contains($"'{spec}'", e.Message);
    }

    [Fact]
    public void Tensor_OnCudaWithCpuOnlyLibtorch_ThrowsTorchExceptionNotCrash()
    {
        if (cuda.is_available()) return; // only meaningful on the CPU-only build
        var e = Assert.Throws<TorchException>(() => zeros([2], device: CUDA(0)));
        Assert.Equal("zeros", e.Op);
    }
}
