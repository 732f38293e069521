using static ActorCodistill.Torch.torch;

namespace ActorCodistill.Torch.Modules;

/// <summary>Flattens dims start..end (PyTorch's nn.Flatten defaults: 1..-1, keeping the batch dim).</summary>
public sealed class Flatten : nn.Module<Tensor, Tensor>
{
    public Flatten(long startDim = 1, long endDim = -1) : base(nameof(Flatten))
    {
        start_dim = startDim;
        end_dim = endDim;
    }

    public long start_dim { get; }
    public long end_dim { get; }

    public override Tensor forward(Tensor input) => input.flatten(start_dim, end_dim);
}
