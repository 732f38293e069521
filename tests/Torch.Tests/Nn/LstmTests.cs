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

    [Fact]
    public void Forward_StateWithWrongHiddenSize_ThrowsNamingOp()
    {
        using var scope = NewDisposeScope();
        using var lstm = nn.LSTM(2, 3);
        var e = Assert.Throws<TorchException>(() => lstm.forward(randn(1, 2, 2), (zeros(1, 2, 3), zeros(1, 2, 4))));
        Assert.Equal("LSTM.forward", e.Op);
    }
}
