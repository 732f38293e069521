using static ActorCodistill.Torch.torch;
using static ActorCodistill.Torch.Tests.Nn.NnTestHelpers;

namespace ActorCodistill.Torch.Tests.Nn;

[Trait("Category", "Unit")]
public class LstmTests
{
    [Fact]
    public void Forward_TwoHalvesWithCarriedState_EqualsWholeSequence()
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        using var lstm = nn.LSTM(5, 6, numLayers: 2, batchFirst: true, dtype: ScalarType.Float64);
        var x = randn(new long[] { 3, 8, 5 }, ScalarType.Float64);
        using var _ = no_grad();
        var (whole, (h, c)) = lstm.forward(x);
        var (first, state1) = lstm.forward(x.slice(1, 0, 4));
        var (second, (h2, c2)) = lstm.forward(x.slice(1, 4, 8), state1);

        Assert.Equal(new long[] { 3, 8, 6 }, whole.shape);
        Assert.Equal(new long[] { 2, 3, 6 }, h.shape);
        AssertClose(D(whole.slice(1, 0, 4)), D(first), 1e-12, 1e-12, "first half");
        AssertClose(D(whole.slice(1, 4, 8)), D(second), 1e-12, 1e-12, "second half");
        AssertClose(D(h), D(h2), 1e-12, 1e-12, "h_n");
        AssertClose(D(c), D(c2), 1e-12, 1e-12, "c_n");

        // Without the carried state the second half differs: the state really flows.
        var (fresh, _) = lstm.forward(x.slice(1, 4, 8));
        Assert.NotEqual(D(second), D(fresh));
    }

    [Fact]
    public void Forward_SeqFirstLayout_MatchesBatchFirstOnTransposedInput()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        using var a = nn.LSTM(4, 3, numLayers: 1, batchFirst: true, dtype: ScalarType.Float64);
        using var b = nn.LSTM(4, 3, numLayers: 1, batchFirst: false, dtype: ScalarType.Float64);
        b.load_state_dict(a.state_dict());
        var x = randn(new long[] { 2, 5, 4 }, ScalarType.Float64);
        using var _ = no_grad();
        var (ya, _) = a.forward(x);
        var (yb, _) = b.forward(x.transpose(0, 1));
        AssertClose(D(ya), D(yb.transpose(0, 1).contiguous()), 1e-12, 1e-12, "output");
    }

    [Fact]
    public void Forward_OneStepOneLayer_MatchesHandWrittenCell()
    {
        using var scope = NewDisposeScope();
        manual_seed(9);
        using var lstm = nn.LSTM(2, 3, dtype: ScalarType.Float64);
        var x = randn(new long[] { 1, 1, 2 }, ScalarType.Float64);
        var h0 = randn(new long[] { 1, 1, 3 }, ScalarType.Float64);
        var c0 = randn(new long[] { 1, 1, 3 }, ScalarType.Float64);
        using var _ = no_grad();
        var (_, (h1, c1)) = lstm.forward(x, (h0, c0));

        // Gates i, f, g, o (PyTorch's order) from W_ih x + b_ih + W_hh h + b_hh.
        var p = lstm.state_dict();
        var gates = D(nn.functional.linear(x.reshape(1, 2), p["weight_ih_l0"], p["bias_ih_l0"])
                      + nn.functional.linear(h0.reshape(1, 3), p["weight_hh_l0"], p["bias_hh_l0"]));
        var c = D(c0);
        var expectedH = new double[3];
        var expectedC = new double[3];
        static double Sig(double v) => 1 / (1 + Math.Exp(-v));
        for (var j = 0; j < 3; j++)
        {
            double i = Sig(gates[j]), f = Sig(gates[3 + j]), g = Math.Tanh(gates[6 + j]), o = Sig(gates[9 + j]);
            expectedC[j] = f * c[j] + i * g;
            expectedH[j] = o * Math.Tanh(expectedC[j]);
        }
        AssertClose(expectedC, D(c1), 1e-12, 1e-12, "c1");
        AssertClose(expectedH, D(h1), 1e-12, 1e-12, "h1");
    }

    // Without autograd the shim runs its own inference loop (nn.cpp, lstm_inference); with parameters that need a
    // gradient it runs at::lstm. Both must agree on outputs and final state, for every layout the module allows.
    [Theory]
    [InlineData(1, true, true, true, 9, ScalarType.Float32)]
    [InlineData(2, true, true, false, 9, ScalarType.Float32)]
    [InlineData(2, false, true, true, 1, ScalarType.Float32)]
    [InlineData(3, true, false, true, 5, ScalarType.Float32)]
    [InlineData(2, false, false, false, 4, ScalarType.Float32)]
    [InlineData(2, true, true, true, 7, ScalarType.Float64)]
    [InlineData(1, false, false, false, 3, ScalarType.Float64)]
    public void Forward_WithoutAutograd_MatchesAutogradPath(int layers, bool batchFirst, bool bias, bool withState, int steps, ScalarType dtype) =>
        AssertInferenceMatchesAutograd(layers, batchFirst, bias, withState, steps, dtype, batch: 3, input: 5, hidden: 7);

    // In float32 the inference loop's step GEMM is the shim's packed AVX2 kernel (packed_gemm.cpp): tiles of up to 6
    // rows by 16 columns. These sizes cover full and partial row tiles (batch 16 = 6 + 6 + 4, 13 = 6 + 6 + 1, 5) and full
    // and partial column panels (4 x hidden = 256, 80, 144 = 9 x 16; 4 x 7 = 28 above is one full panel and a partial one).
    [Theory]
    [InlineData(16, 24, 64, 6, true)]
    [InlineData(13, 8, 20, 4, false)]
    [InlineData(5, 36, 36, 3, true)]
    [InlineData(1, 3, 16, 7, false)]
    public void Forward_WithoutAutograd_MatchesAutogradPath_AtKernelTileSizes(int batch, int input, int hidden, int steps, bool withState) =>
        AssertInferenceMatchesAutograd(layers: 2, batchFirst: true, bias: true, withState, steps, ScalarType.Float32, batch, input, hidden);

    private static void AssertInferenceMatchesAutograd(int layers, bool batchFirst, bool bias, bool withState, int steps, ScalarType dtype,
        int batch, int input, int hidden)
    {
        using var scope = NewDisposeScope();
        manual_seed(17 + layers + steps);
        using var lstm = nn.LSTM(input, hidden, numLayers: layers, batchFirst: batchFirst, bias: bias, dtype: dtype);
        // Larger weights than the default init, so that gates saturate and every nonlinearity is exercised.
        using (no_grad())
            foreach (var p in lstm.parameters()) p.mul_(3);
        var x = randn(batchFirst ? new long[] { batch, steps, input } : new long[] { steps, batch, input }, dtype);
        (Tensor, Tensor)? state = withState
            ? (randn(new long[] { layers, batch, hidden }, dtype), randn(new long[] { layers, batch, hidden }, dtype))
            : null;

        var (expected, (expectedH, expectedC)) = lstm.forward(x, state);
        Assert.True(expected.requires_grad, "the reference must come from the autograd path");
        Tensor actual, actualH, actualC;
        using (no_grad()) (actual, (actualH, actualC)) = lstm.forward(x, state);

        Assert.Equal(expected.shape, actual.shape);
        Assert.Equal(expectedH.shape, actualH.shape);
        var tol = dtype == ScalarType.Float64 ? 1e-12 : 2e-6;
        AssertClose(D(expected.detach().contiguous()), D(actual.contiguous()), tol, tol, "output");
        AssertClose(D(expectedH.detach()), D(actualH), tol, tol, "h_n");
        AssertClose(D(expectedC.detach()), D(actualC), tol, tol, "c_n");
    }

    [Fact]
    public void Forward_WithoutAutograd_LeavesInitialStateUntouched()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var lstm = nn.LSTM(4, 6, numLayers: 2);
        var h0 = randn(2, 2, 6);
        var c0 = randn(2, 2, 6);
        var h0Before = F(h0);
        var c0Before = F(c0);
        using var _ = no_grad();
        lstm.forward(randn(5, 2, 4), (h0, c0));
        Assert.Equal(h0Before, F(h0));
        Assert.Equal(c0Before, F(c0));
    }

    [Fact]
    public void Forward_StateWithWrongHiddenSize_ThrowsNamingOp()
    {
        using var scope = NewDisposeScope();
        using var lstm = nn.LSTM(2, 3);
        var e = Assert.Throws<TorchException>(() => lstm.forward(randn(1, 2, 2), (zeros(1, 2, 3), zeros(1, 2, 4))));
        Assert.Equal("LSTM.forward", e.Op);
    }
}
