using ActorCodistill.Workers.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ActorCodistill.Workers.Tests.Training;

/// <summary>
/// The fused Adagrad against TorchSharp's own over a few steps of an embedding table and a linear layer whose
/// gradients leave most rows zero: the same parameters and sums (to float rounding), untouched rows bit for bit,
/// lr_decay honoured, and its state through the checkpoint codec.
/// </summary>
[Trait("Category", "Unit")]
[Collection(TorchGeneratorCollection.Name)]
public class FusedAdagradTests
{
    private static (Parameter Table, Parameter Weight) Parameters(long seed)
    {
        manual_seed(seed);
        return (new Parameter(randn(50, 16)), new Parameter(randn(7, 33)));
    }

    // Gradients of a lookup of a few rows of the table, and a dense one for the weight.
    private static void Backward(Parameter table, Parameter weight, int step)
    {
        using var scope = NewDisposeScope();
        var ids = tensor(new long[] { step % 50, (step * 7) % 50, (step * 7) % 50, 3 }, ScalarType.Int64);
        var loss = table.index_select(0, ids).pow(2).sum() + weight.sin().sum() * (step + 1);
        loss.backward();
    }

    private static float[] Values(Tensor t) => t.detach().data<float>().ToArray();

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.05)]
    public void TwelveSteps_MatchTorchSharpsAdagrad_AndLeaveUntouchedRowsAsTheyWere(double lrDecay)
    {
        var (t1, w1) = Parameters(3);
        var (t2, w2) = Parameters(3);
        using var fused = new FusedAdagrad([t1, w1], lr: 0.1, lrDecay: lrDecay, initialAccumulatorValue: 0.1);
        using var reference = optim.Adagrad([t2, w2], lr: 0.1, lr_decay: lrDecay, initial_accumulator_value: 0.1);
        var start = Values(t1);
        var touched = new HashSet<long>();
        for (var step = 0; step < 12; step++)
        {
            fused.zero_grad();
            reference.zero_grad();
            Backward(t1, w1, step);
            Backward(t2, w2, step);
            touched.UnionWith([step % 50, (step * 7) % 50, 3]);
            fused.step();
            reference.step();
        }
        var (a, b) = (Values(t1), Values(t2));
        for (var i = 0; i < a.Length; i++)
        {
            Assert.True(Math.Abs(a[i] - b[i]) <= 1e-6 * Math.Max(1, Math.Abs(b[i])), $"table[{i}]: fused {a[i]}, TorchSharp {b[i]}");
            if (!touched.Contains(i / 16)) Assert.Equal(start[i], a[i]); // bit for bit
        }
        var (c, d) = (Values(w1), Values(w2));
        for (var i = 0; i < c.Length; i++)
            Assert.True(Math.Abs(c[i] - d[i]) <= 1e-6 * Math.Max(1, Math.Abs(d[i])), $"weight[{i}]: fused {c[i]}, TorchSharp {d[i]}");
        Assert.NotEqual(start, a);
    }

    [Fact]
    public void State_ThroughTheCheckpointCodec_ContinuesTheSameRun()
    {
        var (t1, w1) = Parameters(4);
        var (t2, w2) = Parameters(4);
        using var first = new FusedAdagrad([t1, w1], lr: 0.1);
        for (var step = 0; step < 3; step++)
        {
            first.zero_grad();
            Backward(t1, w1, step);
            first.step();
        }
        using (no_grad())
        {
            t2.copy_(t1);
            w2.copy_(w1);
        }
        using var second = new FusedAdagrad([t2, w2], lr: 0.1);
        OptimizerStateCodec.Load(second, OptimizerStateCodec.Save(first));
        for (var step = 3; step < 6; step++)
        {
            first.zero_grad();
            second.zero_grad();
            Backward(t1, w1, step);
            Backward(t2, w2, step);
            first.step();
            second.step();
        }
        Assert.Equal(Values(t1), Values(t2));
        Assert.Equal(Values(w1), Values(w2));
    }

    [Fact]
    public void Update_SkipsAllZeroRowsOnly()
    {
        float[] p = [1, 2, 3, 4, 5, 6];
        float[] s = [1, 1, 1, 1, 1, 1];
        float[] g = [0, 0, 0, -0f, 0.5f, 0];
        FusedAdagrad.Update(p, g, s, row: 3, negClr: -0.1f, eps: 1e-10f);
        Assert.Equal([1f, 2, 3], p[..3]);
        Assert.Equal([1f, 1, 1], s[..3]);
        Assert.Equal(1.25f, s[4]);
        Assert.Equal(5 - 0.1f * (0.5f / MathF.Sqrt(1.25f)), p[4], 6);
        Assert.Equal(4f, p[3]);
        Assert.Equal(6f, p[5]);
    }
}
