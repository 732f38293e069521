using ActorCodistill.Workers.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ActorCodistill.Workers.Tests.Training;

/// <summary>
/// The fused Adam and SGD against TorchSharp's own over a dozen steps: the same parameters and state to float rounding,
/// in the fused pass (float32) and in the fallback (float64, AMSGrad), with weight decay, maximize, Nesterov; and a
/// state saved by TorchSharp's Adam loads into the fused one through the checkpoint codec.
/// </summary>
[Trait("Category", "Unit")]
[Collection(TorchGeneratorCollection.Name)]
public class FusedAdamSgdTests
{
    private static Parameter[] Parameters(long seed, ScalarType dtype)
    {
        manual_seed(seed);
        // 33 and 7 elements: the SIMD loop and its scalar tail both run.
        return [new Parameter(randn(3, 11, dtype: dtype)), new Parameter(randn(7, dtype: dtype))];
    }

    private static void Backward(Parameter[] ps, int step)
    {
        using var scope = NewDisposeScope();
        var loss = ps[0].sin().sum() * (step + 1) + ps[1].pow(2).sum() + ps[0].sum() * ps[1].sum();
        loss.backward();
    }

    private static double[] Values(Tensor t) => t.detach().to(ScalarType.Float64).data<double>().ToArray();

    private static void RunSideBySide(OptimizerHelper fused, Parameter[] a, OptimizerHelper reference, Parameter[] b, int steps = 12)
    {
        for (var step = 0; step < steps; step++)
        {
            fused.zero_grad();
            reference.zero_grad();
            Backward(a, step);
            Backward(b, step);
            fused.step();
            reference.step();
        }
        for (var k = 0; k < a.Length; k++)
        {
            var (x, y) = (Values(a[k]), Values(b[k]));
            for (var i = 0; i < x.Length; i++)
                Assert.True(Math.Abs(x[i] - y[i]) <= 2e-6 * Math.Max(1, Math.Abs(y[i])), $"parameter {k}[{i}]: fused {x[i]}, TorchSharp {y[i]}");
        }
    }

    [Theory]
    [InlineData(ScalarType.Float32, 0.0, false, false)]
    [InlineData(ScalarType.Float32, 0.01, false, true)]
    [InlineData(ScalarType.Float64, 0.01, false, false)]
    [InlineData(ScalarType.Float32, 0.0, true, false)]
    public void Adam_MatchesTorchSharpsAdam(ScalarType dtype, double weightDecay, bool amsgrad, bool maximize)
    {
        var a = Parameters(4, dtype);
        var b = Parameters(4, dtype);
        using var fused = new FusedAdam(a, lr: 0.05, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: weightDecay, amsgrad: amsgrad, maximize: maximize);
        using var reference = optim.Adam(b, lr: 0.05, beta1: 0.8, beta2: 0.99, eps: 1e-6, weight_decay: weightDecay, amsgrad: amsgrad, maximize: maximize);
        RunSideBySide(fused, a, reference, b);
    }

    [Theory]
    [InlineData(ScalarType.Float32, 0.0, 0.0, false)]
    [InlineData(ScalarType.Float32, 0.9, 0.0, false)]
    [InlineData(ScalarType.Float32, 0.9, 0.01, true)]
    [InlineData(ScalarType.Float64, 0.9, 0.01, false)]
    public void Sgd_MatchesTorchSharpsSgd(ScalarType dtype, double momentum, double weightDecay, bool nesterov)
    {
        var a = Parameters(5, dtype);
        var b = Parameters(5, dtype);
        using var fused = new FusedSgd(a, lr: 0.01, momentum: momentum, weightDecay: weightDecay, nesterov: nesterov);
        using var reference = optim.SGD(b, 0.01, momentum: momentum, weight_decay: weightDecay, nesterov: nesterov);
        RunSideBySide(fused, a, reference, b);
    }

    [Fact]
    public void AStateOfTorchSharpsAdam_LoadsIntoTheFusedOne_AndTrainsOnTheSame()
    {
        var a = Parameters(6, ScalarType.Float32);
        var b = Parameters(6, ScalarType.Float32);
        using var reference = optim.Adam(b, lr: 0.05);
        for (var step = 0; step < 3; step++)
        {
            reference.zero_grad();
            Backward(b, step);
            reference.step();
        }
        using (no_grad())
            for (var k = 0; k < a.Length; k++) a[k].copy_(b[k]);
        using var fused = new FusedAdam(a, lr: 0.05);
        OptimizerStateCodec.Load(fused, OptimizerStateCodec.Save(reference), "the reference's state");
        RunSideBySide(fused, a, reference, b, steps: 4);
    }

    [Fact]
    public void AStateOfAnotherOptimizer_IsStillRefusedByName()
    {
        var a = Parameters(7, ScalarType.Float32);
        using var sgd = new FusedSgd(a, lr: 0.1, momentum: 0.9);
        using var adam = new FusedAdam(a, lr: 0.1);
        var e = Assert.Throws<InvalidDataException>(() => OptimizerStateCodec.Load(adam, OptimizerStateCodec.Save(sgd), "checkpoint x"));
        Assert.Contains("FusedSgd", e.Message);
        Assert.Contains("checkpoint x", e.Message);
    }
}
