using static ActorCodistill.Torch.torch;

namespace ActorCodistill.Torch.Modules;

/// <summary>2-D convolution, square kernel; weight [out, in, k, k]. PyTorch's init: uniform(+-1/sqrt(in*k*k)) for both.</summary>
public sealed class Conv2d : nn.Module<Tensor, Tensor>
{
    public Conv2d(long inChannels, long outChannels, long kernelSize, long stride = 1, long padding = 0, bool hasBias = true,
        Device? device = null, ScalarType? dtype = null)
        : base(nameof(Conv2d))
    {
        if (inChannels <= 0 || outChannels <= 0 || kernelSize <= 0 || stride <= 0 || padding < 0)
            throw new ArgumentOutOfRangeException(nameof(inChannels),
                $"Conv2d({inChannels}, {outChannels}, kernel {kernelSize}, stride {stride}, padding {padding}): invalid sizes");
        in_channels = inChannels;
        out_channels = outChannels;
        kernel_size = kernelSize;
        this.stride = stride;
        this.padding = padding;
        var fanIn = inChannels * kernelSize * kernelSize;
        weight = register_parameter("weight", nn.NewParameter(new[] { outChannels, inChannels, kernelSize, kernelSize }, dtype, device));
        nn.init.kaiming_uniform_(weight, Math.Sqrt(5), fanIn);
        if (hasBias)
        {
            bias = register_parameter("bias", nn.NewParameter(new[] { outChannels }, dtype, device));
            var bound = 1 / Math.Sqrt(fanIn);
            nn.init.uniform_(bias, -bound, bound);
        }
    }

    public long in_channels { get; }
    public long out_channels { get; }
    public long kernel_size { get; }
    public long stride { get; }
    public long padding { get; }
    public Tensor weight { get; }
    public Tensor? bias { get; }

    public override Tensor forward(Tensor input) => nn.functional.conv2d(input, weight, bias, stride, padding);
}
