using static ActorCodistill.Torch.torch;

namespace ActorCodistill.Torch.Modules;

/// <summary>Normalises over the trailing <c>normalized_shape</c> dims; affine weight ones, bias zeros (PyTorch's init).</summary>
public sealed class LayerNorm : nn.Module<Tensor, Tensor>
{
    public LayerNorm(long[] normalizedShape, double eps = 1e-5, bool elementwiseAffine = true, Device? device = null, ScalarType? dtype = null)
        : base(nameof(LayerNorm))
    {
        ArgumentNullException.ThrowIfNull(normalizedShape);
        if (normalizedShape.Length == 0 || normalizedShape.Any(d => d <= 0))
            throw new ArgumentOutOfRangeException(nameof(normalizedShape), $"LayerNorm([{string.Join(", ", normalizedShape)}]): dims must be positive");
        normalized_shape = (long[])normalizedShape.Clone();
        this.eps = eps;
        if (elementwiseAffine)
        {
            weight = register_parameter("weight", nn.NewParameter(normalized_shape, dtype, device));
            nn.init.ones_(weight);
            bias = register_parameter("bias", nn.NewParameter(normalized_shape, dtype, device));
            nn.init.zeros_(bias);
        }
    }

    public long[] normalized_shape { get; }
    public double eps { get; }
    public Tensor? weight { get; }
    public Tensor? bias { get; }

    public override Tensor forward(Tensor input) => nn.functional.layer_norm(input, normalized_shape, weight, bias, eps);
}
