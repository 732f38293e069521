using static ActorCodistill.Torch.torch;

namespace ActorCodistill.Torch.Modules;

/// <summary>Dropout while <see cref="nn.Module.training"/>; the identity in eval mode.</summary>
public sealed class Dropout : nn.Module<Tensor, Tensor>
{
    public Dropout(double p = 0.5) : base(nameof(Dropout))
    {
        if (p is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(p), p, "Dropout: p must be in [0, 1]");
        this.p = p;
    }

    public double p { get; }

    public override Tensor forward(Tensor input) => nn.functional.dropout(input, p, training);
}
