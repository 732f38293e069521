using static ActorCodistill.Torch.torch;

namespace ActorCodistill.Torch.Tests.Nn;

/// <summary>Finite-difference checks of each layer's gradients w.r.t. its input and every parameter (float64, small sizes).</summary>
[Trait("Category", "Unit")]
public class GradCheckTests
{
    private static Tensor Input(params long[] shape) => randn(shape, ScalarType.Float64).requires_grad_(true);

    private static Tensor[] With(Tensor x, nn.Module m) => m.parameters().Prepend(x).ToArray();

    [Fact]
    public void Linear_InputAndParameters_MatchFiniteDifferences()
    {
        using var scope = NewDisposeScope();
        manual_seed(21);
        using var m = nn.Linear(4, 3, dtype: ScalarType.Float64);
        GradCheck.Check(a => m.forward(a[0]), With(Input(2, 4), m));
    }

    [Fact]
    public void LSTM_InputStateAndParameters_MatchFiniteDifferences()
    {
        using var scope = NewDisposeScope();
        manual_seed(22);
        using var m = nn.LSTM(3, 4, numLayers: 2, batchFirst: true, dtype: ScalarType.Float64);
        var h0 = Input(2, 2, 4);
        var c0 = Input(2, 2, 4);
        var inputs = m.parameters().Prepend(c0).Prepend(h0).Prepend(Input(2, 3, 3)).ToArray();
        GradCheck.Check(a =>
        {
            var (y, (h, c)) = m.forward(a[0], (a[1], a[2]));
            return cat(new[] { y.reshape(-1), h.reshape(-1), c.reshape(-1) });
        }, inputs, maxElementsPerInput: 24);
    }

    [Fact]
    public void LayerNorm_InputAndParameters_MatchFiniteDifferences()
    {
        using var scope = NewDisposeScope();
        manual_seed(23);
        using var m = nn.LayerNorm(new long[] { 5 }, dtype: ScalarType.Float64);
        // Move the affine parameters off ones/zeros so their gradients are not trivially symmetric.
        using (no_grad())
        {
            m.weight!.add_(randn(new long[] { 5 }, ScalarType.Float64));
            m.bias!.add_(randn(new long[] { 5 }, ScalarType.Float64));
        }
        GradCheck.Check(a => m.forward(a[0]), With(Input(3, 5), m));
    }

    [Fact]
    public void Conv2d_InputAndParameters_MatchFiniteDifferences()
    {
        using var scope = NewDisposeScope();
        manual_seed(24);
        using var m = nn.Conv2d(2, 3, kernelSize: 3, stride: 1, padding: 1, dtype: ScalarType.Float64);
        GradCheck.Check(a => m.forward(a[0]), With(Input(1, 2, 5, 5), m), maxElementsPerInput: 32);
    }

    [Fact]
    public void Embedding_Weight_MatchesFiniteDifferences()
    {
        using var scope = NewDisposeScope();
        manual_seed(25);
        using var m = nn.Embedding(6, 3, dtype: ScalarType.Float64);
        var ids = tensor(new long[] { 1, 4, 4, 0 }, new long[] { 2, 2 });
        GradCheck.Check(a => m.forward(ids), m.parameters().ToArray());
    }
}
