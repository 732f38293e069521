using ActorCodistill.Torch.Modules;
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

    // On the CPU the shim runs its own LSTM loop (native/lstm.cpp): without autograd an inference loop, with autograd
    // one node per layer with its own backward pass. Both must agree with PyTorch's LSTM equations written out in
    // primitive autograd ops (ReferenceLstm): outputs and final state, and with autograd every gradient (input,
    // initial state, all weights), for every layout the module allows.
    [Theory]
    [InlineData(1, true, true, true, 9, ScalarType.Float32)]
    [InlineData(2, true, true, false, 9, ScalarType.Float32)]
    [InlineData(2, false, true, true, 1, ScalarType.Float32)]
    [InlineData(3, true, false, true, 5, ScalarType.Float32)]
    [InlineData(2, false, false, false, 4, ScalarType.Float32)]
    [InlineData(2, true, true, true, 7, ScalarType.Float64)]
    [InlineData(1, false, false, false, 3, ScalarType.Float64)]
    [InlineData(3, false, true, true, 6, ScalarType.Float64)]
    public void Forward_AndBackward_MatchReferenceEquations(int layers, bool batchFirst, bool bias, bool withState, int steps, ScalarType dtype) =>
        AssertMatchesReference(layers, batchFirst, bias, withState, steps, dtype, batch: 3, input: 5, hidden: 7);

    // In float32 the loops' step GEMMs are the shim's packed AVX2 kernel (packed_gemm.cpp): tiles of up to 6 rows by
    // 16 columns. These sizes cover full and partial row tiles (batch 16 = 6 + 6 + 4, 13 = 6 + 6 + 1, 5) and full and
    // partial column panels (4 x hidden = 256, 80, 144 = 9 x 16 forward; hidden = 64, 20, 36 backward; 4 x 7 = 28 above
    // is one full panel and a partial one).
    [Theory]
    [InlineData(16, 24, 64, 6, true)]
    [InlineData(13, 8, 20, 4, false)]
    [InlineData(5, 36, 36, 3, true)]
    [InlineData(1, 3, 16, 7, false)]
    public void Forward_AndBackward_MatchReferenceEquations_AtKernelTileSizes(int batch, int input, int hidden, int steps, bool withState) =>
        AssertMatchesReference(layers: 2, batchFirst: true, bias: true, withState, steps, ScalarType.Float32, batch, input, hidden);

    private static void AssertMatchesReference(int layers, bool batchFirst, bool bias, bool withState, int steps, ScalarType dtype,
        int batch, int input, int hidden)
    {
        using var scope = NewDisposeScope();
        manual_seed(17 + layers + steps);
        using var lstm = nn.LSTM(input, hidden, numLayers: layers, batchFirst: batchFirst, bias: bias, dtype: dtype);
        // Larger weights than the default init, so that gates saturate and every nonlinearity is exercised.
        using (no_grad())
            foreach (var p in lstm.parameters()) p.mul_(3);
        var x = randn(batchFirst ? new long[] { batch, steps, input } : new long[] { steps, batch, input }, dtype).requires_grad_();
        var h0 = randn(new long[] { layers, batch, hidden }, dtype).requires_grad_();
        var c0 = randn(new long[] { layers, batch, hidden }, dtype).requires_grad_();
        (Tensor, Tensor)? state = withState ? (h0, c0) : null;
        // Every output feeds the loss through fixed random weights, so each gradient path is checked.
        var wy = randn(batchFirst ? new long[] { batch, steps, hidden } : new long[] { steps, batch, hidden }, dtype);
        var wh = randn(new long[] { layers, batch, hidden }, dtype);
        var wc = randn(new long[] { layers, batch, hidden }, dtype);
        Tensor Loss(Tensor y, Tensor h, Tensor c) => (y * wy).sum() + (h * wh).sum() + (c * wc).sum();
        // Outputs and state as tight as the inference loop was held to against at::lstm; gradients sum over steps and
        // the batch, so they get a looser bound, relative to each gradient's scale.
        var tol = dtype == ScalarType.Float64 ? 1e-12 : 2e-6;
        var gradTol = dtype == ScalarType.Float64 ? 1e-11 : 2e-5;

        var (expected, (expectedH, expectedC)) = ReferenceLstm(lstm, x, state, layers, batchFirst, hidden);
        Loss(expected, expectedH, expectedC).backward();
        var expectedGrads = Grads(lstm, x, h0, c0, withState);

        var (actual, (actualH, actualC)) = lstm.forward(x, state);
        Assert.True(actual.requires_grad, "with parameters that need a gradient the output must carry one");
        Assert.Equal(expected.shape, actual.shape);
        Assert.Equal(expectedH.shape, actualH.shape);
        AssertClose(D(expected), D(actual), tol, tol, "output");
        AssertClose(D(expectedH), D(actualH), tol, tol, "h_n");
        AssertClose(D(expectedC), D(actualC), tol, tol, "c_n");
        Loss(actual, actualH, actualC).backward();
        var actualGrads = Grads(lstm, x, h0, c0, withState);
        Assert.Equal(expectedGrads.Keys, actualGrads.Keys);
        foreach (var (name, g) in expectedGrads)
        {
            var scale = Math.Max(1.0, g.Max(Math.Abs));
            AssertClose(g, actualGrads[name], gradTol, gradTol * scale, "grad " + name);
        }

        Tensor inferred, inferredH, inferredC;
        using (no_grad()) (inferred, (inferredH, inferredC)) = lstm.forward(x, state);
        Assert.False(inferred.requires_grad);
        AssertClose(D(expected), D(inferred), tol, tol, "no_grad output");
        AssertClose(D(expectedH), D(inferredH), tol, tol, "no_grad h_n");
        AssertClose(D(expectedC), D(inferredC), tol, tol, "no_grad c_n");
    }

    private static Dictionary<string, double[]> Grads(LSTM lstm, Tensor x, Tensor h0, Tensor c0, bool withState)
    {
        var grads = lstm.named_parameters().ToDictionary(p => p.name, p => D(p.parameter.grad!));
        grads["input"] = D(x.grad!);
        if (withState)
        {
            grads["h0"] = D(h0.grad!);
            grads["c0"] = D(c0.grad!);
        }
        foreach (var t in lstm.parameters().Append(x).Append(h0).Append(c0)) t.grad = null;
        return grads;
    }

    /// <summary>PyTorch's LSTM equations in primitive autograd ops, one step at a time (gates i, f, g, o).</summary>
    private static (Tensor Output, (Tensor H, Tensor C) State) ReferenceLstm(LSTM lstm, Tensor x, (Tensor H, Tensor C)? state,
        int layers, bool batchFirst, int hidden)
    {
        var p = lstm.named_parameters().ToDictionary(n => n.name, n => n.parameter);
        var sequence = batchFirst ? x.transpose(0, 1) : x;
        var (steps, batch) = (sequence.shape[0], sequence.shape[1]);
        var hs = new List<Tensor>();
        var cs = new List<Tensor>();
        for (var l = 0; l < layers; l++)
        {
            var h = state?.H.slice(0, l, l + 1).squeeze(0) ?? zeros(new long[] { batch, hidden }, x.dtype);
            var c = state?.C.slice(0, l, l + 1).squeeze(0) ?? zeros(new long[] { batch, hidden }, x.dtype);
            var outputs = new List<Tensor>();
            for (var t = 0; t < steps; t++)
            {
                var gates = nn.functional.linear(sequence.slice(0, t, t + 1).squeeze(0), p[$"weight_ih_l{l}"], p.GetValueOrDefault($"bias_ih_l{l}"))
                            + nn.functional.linear(h, p[$"weight_hh_l{l}"], p.GetValueOrDefault($"bias_hh_l{l}"));
                var i = gates.slice(1, 0, hidden).sigmoid();
                var f = gates.slice(1, hidden, 2 * hidden).sigmoid();
                var g = gates.slice(1, 2 * hidden, 3 * hidden).tanh();
                var o = gates.slice(1, 3 * hidden, 4 * hidden).sigmoid();
                c = f * c + i * g;
                h = o * c.tanh();
                outputs.Add(h);
            }
            sequence = stack(outputs);
            hs.Add(h);
            cs.Add(c);
        }
        return (batchFirst ? sequence.transpose(0, 1) : sequence, (stack(hs), stack(cs)));
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
