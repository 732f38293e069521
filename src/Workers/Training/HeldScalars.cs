using TorchSharp;
using static TorchSharp.torch;

namespace ActorCodistill.Workers.Training;

/// <summary>
/// Tensor arithmetic that passes libtorch only <see cref="Scalar"/>s this code holds until the call has returned.
/// TorchSharp 0.107 converts a number to a Scalar implicitly (<c>t * 0.5</c>, <c>t.clamp(min: 1.0)</c>, and
/// <c>a + b</c>, which passes alpha = 1) and leaves the Scalar to its finalizer; nothing keeps it alive
/// during the native call, so a garbage collection that lands there frees it while libtorch reads it: "Expected false to
/// be true ... toFloat at c10/core/Scalar.h" or, worse, another number (docs/torch.md, "Scalars").
/// The training step, the distillation term and the optimizers use these; user models should too
/// (samples/TransformerLm does).
/// </summary>
public static class HeldScalars
{
    // Statics are never collected, so these are never finalized.
    private static readonly Scalar One = 1.0.ToScalar();

    /// <summary>a + b.</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);

    /// <summary>a - b (TorchSharp's sub passes no Scalar; here so that code reads the same as Plus).</summary>
    public static Tensor Minus(this Tensor a, Tensor b) => a.sub(b);

    /// <summary>a + alpha x b.</summary>
    public static Tensor PlusScaled(this Tensor a, Tensor b, double alpha)
    {
        using var s = alpha.ToScalar();
        return a.add(b, s);
    }

    /// <summary>a += value, in place; returns a.</summary>
    public static Tensor PlusInPlace(this Tensor a, double value)
    {
        using var s = value.ToScalar();
        return a.add_(s, One);
    }

    /// <summary>a x value.</summary>
    public static Tensor Times(this Tensor a, double value)
    {
        using var s = value.ToScalar();
        return a.mul(s);
    }

    /// <summary>a / value.</summary>
    public static Tensor DividedBy(this Tensor a, double value)
    {
        using var s = value.ToScalar();
        return a.div(s);
    }

    /// <summary>value - a.</summary>
    public static Tensor Subtracted(this Tensor a, double value)
    {
        using var s = value.ToScalar();
        return a.neg().add_(s, One);
    }

    /// <summary>max(a, min), elementwise.</summary>
    public static Tensor AtLeast(this Tensor a, double min)
    {
        using var s = min.ToScalar();
        return a.clamp_min(s);
    }

    /// <summary>A tensor shaped like <paramref name="like"/>, every element <paramref name="value"/>.</summary>
    public static Tensor FullLike(Tensor like, double value)
    {
        using var s = value.ToScalar();
        return full_like(like, s);
    }
}
