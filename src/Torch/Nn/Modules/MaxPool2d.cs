using static ActorCodistill.Torch.torch;

namespace ActorCodistill.Torch.Modules;

/// <summary>2-D max pooling with a square window; stride defaults to the window size (as in PyTorch).</summary>
public sealed class MaxPool2d : nn.Module<Tensor, Tensor>
{
    public MaxPool2d(long kernelSize, long? stride = null) : base(nameof(MaxPool2d))
    {
        if (kernelSize <= 0 || stride <= 0)
            throw new ArgumentOutOfRangeException(nameof(kernelSize), $"MaxPool2d({kernelSize}, stride {stride}): sizes must be positive");
        kernel_size = kernelSize;
        this.stride = stride ?? kernelSize;
    }

    public long kernel_size { get; }
    public long stride { get; }

    public override Tensor forward(Tensor input) => nn.functional.max_pool2d(input, kernel_size, stride);
}
