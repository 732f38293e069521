using static ActorCodistill.Torch.torch;
using static ActorCodistill.Torch.Tests.Nn.NnTestHelpers;

namespace ActorCodistill.Torch.Tests.Optim;

/// <summary>Optimizer steps against closed-form updates written out by hand (float64, so 1e-12 tolerances).</summary>
[Trait("Category", "Unit")]
public class OptimizerTests
{
    private static readonly double[] P0 = { 1.0, -2.0, 0.5 };

    private static Tensor Param(params double[] values) => nn.Parameter(tensor(values, dtype: ScalarType.Float64));

    /// <summary>Sets p.grad to exactly <paramref name="g"/> via loss = sum(p * g).</summary>
    private static void Grad(Tensor p, double[] g)
    {
        p.grad = null;
        using var c = tensor(g, dtype: ScalarType.Float64);
        using var loss = (p * c).sum();
        loss.backward();
    }

    [Fact]
    public void SGD_MomentumThreeSteps_MatchesClosedForm()
    {
        using var scope = NewDisposeScope();
        var g = new[] { 0.5, 1.0, -0.25 };
        var p = Param(P0);
        using var opt = optim.SGD(new[] { p }, lr: 0.1, momentum: 0.9);
        for (var s = 0; s < 3; s++)
        {
            Grad(p, g);
            opt.step();
        }
        // buf: g, 1.9g, 2.71g (first buffer is the gradient itself) -> p0 - 0.1 * 5.61 g
        AssertClose(P0.Zip(g, (a, b) => a - 0.561 * b).ToArray(), D(p), 1e-12, 1e-12, "p");
    }

    [Fact]
    public void SGD_NesterovThreeSteps_MatchesClosedForm()
    {
        using var scope = NewDisposeScope();
        var g = new[] { 0.5, 1.0, -0.25 };
        var p = Param(P0);
        using var opt = optim.SGD(new[] { p }, lr: 0.1, momentum: 0.9, nesterov: true);
        for (var s = 0; s < 3; s++)
        {
            Grad(p, g);
            opt.step();
        }
        // d = g + 0.9 buf with buf g, 1.9g, 2.71g -> 1.9g, 2.71g, 3.439g
        AssertClose(P0.Zip(g, (a, b) => a - 0.1 * (1.9 + 2.71 + 3.439) * b).ToArray(), D(p), 1e-12, 1e-12, "p");
    }

    [Fact]
    public void SGD_WeightDecayAndDampening_MatchesClosedForm()
    {
        using var scope = NewDisposeScope();
        var g = new[] { 0.5, 1.0, -0.25 };
        var p = Param(P0);
        using var opt = optim.SGD(new[] { p }, lr: 0.1, momentum: 0.5, dampening: 0.5, weight_decay: 0.2);
        var expected = (double[])P0.Clone();
        var buf = new double[3];
        for (var s = 0; s < 2; s++)
        {
            Grad(p, g);
            opt.step();
            for (var i = 0; i < 3; i++)
            {
                var d = g[i] + 0.2 * expected[i];
                buf[i] = s == 0 ? d : 0.5 * buf[i] + 0.5 * d;
                expected[i] -= 0.1 * buf[i];
            }
        }
        AssertClose(expected, D(p), 1e-12, 1e-12, "p");
    }

    [Fact]
    public void Adam_TwoSteps_BiasCorrectedWithEpsOutsideSqrt()
    {
        using var scope = NewDisposeScope();
        var g1 = new[] { 0.5, 1.0, -0.25 };
        var g2 = new[] { -1.0, 0.3, 2.0 };
        var p = Param(P0);
        // A large eps makes its placement visible (outside vs inside the square root differs at 1e-2).
        const double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 0.1;
        using var opt = optim.Adam(new[] { p }, lr: lr, beta1: b1, beta2: b2, eps: eps);

        Grad(p, g1);
        opt.step();
        // Step 1: m_hat = g, v_hat = g^2 -> p -= lr * g / (|g| + eps)
        var after1 = P0.Select((v, i) => v - lr * g1[i] / (Math.Abs(g1[i]) + eps)).ToArray();
        AssertClose(after1, D(p), 1e-12, 1e-12, "after step 1");

        Grad(p, g2);
        opt.step();
        var after2 = new double[3];
        for (var i = 0; i < 3; i++)
        {
            var m = b1 * (1 - b1) * g1[i] + (1 - b1) * g2[i];
            var v = b2 * (1 - b2) * g1[i] * g1[i] + (1 - b2) * g2[i] * g2[i];
            var denom = Math.Sqrt(v) / Math.Sqrt(1 - b2 * b2) + eps;
            after2[i] = after1[i] - lr / (1 - b1 * b1) * m / denom;
        }
        AssertClose(after2, D(p), 1e-12, 1e-12, "after step 2");
    }

    [Fact]
    public void Adam_WeightDecay_AddsDecayToGradient()
    {
        using var scope = NewDisposeScope();
        var g = new[] { 0.5, 1.0, -0.25 };
        var p = Param(P0);
        using var opt = optim.Adam(new[] { p }, lr: 0.01, eps: 0.1, weight_decay: 0.5);
        Grad(p, g);
        opt.step();
        var expected = P0.Select((v, i) => { var d = g[i] + 0.5 * v; return v - 0.01 * d / (Math.Abs(d) + 0.1); }).ToArray();
        AssertClose(expected, D(p), 1e-12, 1e-12, "p");
    }

    [Fact]
    public void Adagrad_TwoStepsWithLrDecayAndInitialAccumulator_MatchesClosedForm()
    {
        using var scope = NewDisposeScope();
        var g1 = new[] { 0.5, 1.0, -0.25 };
        var g2 = new[] { -1.0, 0.3, 2.0 };
        var p = Param(P0);
        const double lr = 0.5, decay = 0.1, init = 0.2, eps = 1e-10;
        using var opt = optim.Adagrad(new[] { p }, lr: lr, lr_decay: decay, initial_accumulator_value: init);
        var expected = (double[])P0.Clone();
        var sum = Enumerable.Repeat(init, 3).ToArray();
        foreach (var (g, step) in new[] { (g1, 1), (g2, 2) })
        {
            Grad(p, g);
            opt.step();
            var clr = lr / (1 + (step - 1) * decay);
            for (var i = 0; i < 3; i++)
            {
                sum[i] += g[i] * g[i];
                expected[i] -= clr * g[i] / (Math.Sqrt(sum[i]) + eps);
            }
            AssertClose(expected, D(p), 1e-12, 1e-12, $"after step {step}");
        }
        var state = opt.state_dict();
        AssertClose(sum, D(state.Parameters[0].Tensors["sum"]), 1e-12, 1e-12, "accumulator");
        Assert.Equal(2, state.Parameters[0].Step);
        state.Dispose();
    }

    [Fact]
    public void Step_ParameterWithoutGradient_IsLeftAlone()
    {
        using var scope = NewDisposeScope();
        var a = Param(P0);
        var b = Param(P0);
        using var opt = optim.Adam(new[] { a, b }, lr: 0.1);
        Grad(a, new[] { 1.0, 1.0, 1.0 });
        opt.step();
        Assert.Equal(P0, D(b));
        Assert.NotEqual(P0, D(a));
        Assert.Equal(0, opt.state_dict().Parameters[1].Step);
    }

    [Fact]
    public void Float32Parameters_FusedPath_MatchesFloat64Reference()
    {
        using var scope = NewDisposeScope();
        var g = new[] { 0.5, 1.0, -0.25 };
        var p32 = nn.Parameter(tensor(P0.Select(v => (float)v).ToArray()));
        var p64 = Param(P0);
        using var o32 = optim.Adagrad(new[] { p32 }, lr: 0.1, initial_accumulator_value: 0.1);
        using var o64 = optim.Adagrad(new[] { p64 }, lr: 0.1, initial_accumulator_value: 0.1);
        for (var s = 0; s < 3; s++)
        {
            p32.grad = null;
            (p32 * tensor(g.Select(v => (float)v).ToArray())).sum().backward();
            Grad(p64, g);
            o32.step();
            o64.step();
        }
        AssertClose(D(p64), D(p32), 1e-6, 1e-6, "float32 vs float64");
    }
}
