using static ActorCodistill.Torch.torch;

namespace ActorCodistill.Torch.Modules;

/// <summary>y = x W^T + b, W [out, in]. PyTorch's initialisation: both uniform(-1/sqrt(in), 1/sqrt(in)).</summary>
public sealed class Linear : nn.Module<Tensor, Tensor>
{
    public Linear(long inFeatures, long outFeatures, bool hasBias = true, Device? device = null, ScalarType? dtype = null)
        : base(nameof(Linear))
    {
        if (inFeatures <= 0 || outFeatures <= 0)
            throw new ArgumentOutOfRangeException(nameof(inFeatures), $"Linear({inFeatures}, {outFeatures}): sizes must be positive");
        in_features = inFeatures;
        out_features = outFeatures;
        weight = register_parameter("weight", nn.NewParameter(new[] { outFeatures, inFeatures }, dtype, device));
        nn.init.kaiming_uniform_(weight, Math.Sqrt(5), inFeatures);
        if (hasBias)
        {
            bias = register_parameter("bias", nn.NewParameter(new[] { outFeatures }, dtype, device));
            var bound = 1 / Math.Sqrt(inFeatures);
            nn.init.uniform_(bias, -bound, bound);
        }
    }

    public long in_features { get; }
    public long out_features { get; }
    public Tensor weight { get; }
    public Tensor? bias { get; }

    public override Tensor forward(Tensor input) => nn.functional.linear(input, weight, bias);
}
