using static ActorCodistill.Torch.torch;
using F = ActorCodistill.Torch.torch.nn.functional;

namespace ActorCodistill.Torch.Tests.Functional;

/// <summary>
/// The fused codistill_cross_entropy against the unfused expressions it replaces: F.cross_entropy for the task and
/// T² · masked mean of -Σ q log_softmax(z / T) (minus the clamped entropy for KL) for psi, as Distillation.Psi writes them.
/// </summary>
[Trait("Category", "Unit")]
public class CodistillCrossEntropyTests
{
    public enum MaskKind { None, Some, AllZero }

    private const double Tolerance = 1e-5;

    private static (Tensor Task, Tensor Psi) Unfused(Tensor z, Tensor t, Tensor q, double temperature, bool kl, Tensor? mask)
    {
        var task = F.cross_entropy(z, t);
        var perExample = -(q * (z / temperature).log_softmax(-1)).sum([-1]);
        if (kl) perExample = perExample + (q * q.clamp(min: 1e-12).log()).sum([-1]);
        perExample = perExample * (temperature * temperature);
        var psi = mask is null ? perExample.mean() : (perExample * mask).sum() / mask.sum().clamp(min: 1.0);
        return (task, psi);
    }

    private static (Tensor Z, Tensor T, Tensor Q, Tensor? Mask) Case(int seed, long n, long c, double temperature, MaskKind maskKind,
        ScalarType dtype = ScalarType.Float32)
    {
        manual_seed(seed);
        var z = (randn([n, c], dtype) * 3.0).requires_grad_();
        var t = randint(0, c, [n]);
        var q = (randn([n, c], dtype) * 2.0 / temperature).softmax(-1);
        Tensor? mask = maskKind switch
        {
            MaskKind.None => null,
            MaskKind.AllZero => zeros([n], dtype),
            // Roughly two thirds of the rows, and at least the first, count.
            _ => tensor(Enumerable.Range(0, (int)n).Select(i => i == 0 || i % 3 != 1 ? 1.0 : 0.0).ToArray(), dtype: dtype),
        };
        return (z, t, q, mask);
    }

    private static double RelativeError(Tensor actual, Tensor expected)
    {
        var a = actual.to(ScalarType.Float64).ToArray<double>();
        var e = expected.to(ScalarType.Float64).ToArray<double>();
        Assert.Equal(e.Length, a.Length);
        var scale = Math.Max(e.Max(Math.Abs), 1e-30);
        return a.Zip(e, (x, y) => Math.Abs(x - y)).Max() / scale;
    }

    private static void AssertClose(double expected, double actual, string what)
    {
        var error = Math.Abs(actual - expected) / Math.Max(Math.Abs(expected), 1e-6);
        Assert.True(error <= Tolerance, $"{what}: fused {actual:R} vs unfused {expected:R} (relative error {error:E2})");
    }

    [Theory]
    [InlineData(false, 1.0, MaskKind.None, 64, 37)]
    [InlineData(true, 1.0, MaskKind.None, 64, 37)]
    [InlineData(false, 2.5, MaskKind.None, 64, 37)]
    [InlineData(true, 2.5, MaskKind.None, 64, 37)]
    [InlineData(false, 1.0, MaskKind.Some, 48, 101)]
    [InlineData(true, 2.5, MaskKind.Some, 48, 101)]
    [InlineData(false, 2.5, MaskKind.AllZero, 16, 37)]
    [InlineData(true, 1.0, MaskKind.AllZero, 16, 37)]
    [InlineData(false, 1.0, MaskKind.None, 1, 37)]
    [InlineData(true, 2.5, MaskKind.Some, 1, 13)]
    [InlineData(false, 2.5, MaskKind.None, 256, 1024)]
    public void CodistillCrossEntropy_RandomLogits_MatchesUnfusedValuesAndGradients(bool kl, double temperature, MaskKind maskKind, int n, int c)
    {
        using var scope = NewDisposeScope();
        var (z, t, q, mask) = Case(seed: n * 1000 + c, n, c, temperature, maskKind);
        const double a = 0.7, b = 1.3;

        var (task, psi) = Unfused(z, t, q, temperature, kl, mask);
        (task * a + psi * b).backward();
        var expectedGrad = z.grad!.clone();
        z.grad = null;

        var (fusedTask, fusedPsi) = F.codistill_cross_entropy(z, t, q, temperature, kl, mask);
        Assert.Empty(fusedTask.shape);
        Assert.Empty(fusedPsi.shape);
        (fusedTask * a + fusedPsi * b).backward();

        AssertClose(task.item<float>(), fusedTask.item<float>(), "task");
        if (maskKind == MaskKind.AllZero) Assert.Equal(0.0f, fusedPsi.item<float>());
        else AssertClose(psi.item<float>(), fusedPsi.item<float>(), "psi");
        var gradError = RelativeError(z.grad!, expectedGrad);
        Assert.True(gradError <= Tolerance, $"gradient: relative error {gradError:E2}");
    }

    [Fact]
    public void CodistillCrossEntropy_NegativeDistillWeight_MatchesUnfusedGradient()
    {
        // A negative weight cannot be folded into the exponent of the recomputed softmax: the other code path.
        using var scope = NewDisposeScope();
        var (z, t, q, mask) = Case(seed: 7, 32, 29, 2.5, MaskKind.Some);
        var (task, psi) = Unfused(z, t, q, 2.5, kl: false, mask);
        (task * 0.5 - psi * 2.0).backward();
        var expectedGrad = z.grad!.clone();
        z.grad = null;
        var (fusedTask, fusedPsi) = F.codistill_cross_entropy(z, t, q, 2.5, mask: mask);
        (fusedTask * 0.5 - fusedPsi * 2.0).backward();
        Assert.True(RelativeError(z.grad!, expectedGrad) <= Tolerance);
    }

    [Fact]
    public void CodistillCrossEntropy_SoftTargetRowsNotSummingToOne_MatchesUnfusedFormula()
    {
        using var scope = NewDisposeScope();
        var (z, t, _, _) = Case(seed: 11, 24, 19, 2.0, MaskKind.None);
        var q = rand([24, 19]) * 0.2;  // rows sum to about 1.9, not 1
        var (task, psi) = Unfused(z, t, q, 2.0, kl: true, mask: null);
        (task + psi).backward();
        var expectedGrad = z.grad!.clone();
        z.grad = null;
        var (fusedTask, fusedPsi) = F.codistill_cross_entropy(z, t, q, 2.0, kl: true);
        (fusedTask + fusedPsi).backward();
        AssertClose(psi.item<float>(), fusedPsi.item<float>(), "psi");
        Assert.True(RelativeError(z.grad!, expectedGrad) <= Tolerance);
    }

    [Fact]
    public void CodistillCrossEntropy_NoSoftTargets_IsCrossEntropyWithZeroDistill()
    {
        using var scope = NewDisposeScope();
        var (z, t, _, _) = Case(seed: 3, 40, 23, 1.0, MaskKind.None);
        var expected = F.cross_entropy(z, t);
        expected.backward();
        var expectedGrad = z.grad!.clone();
        z.grad = null;
        var (task, distill) = F.codistill_cross_entropy(z, t, softTargets: null);
        task.backward();
        AssertClose(expected.item<float>(), task.item<float>(), "task");
        Assert.Equal(0.0f, distill.item<float>());
        Assert.True(RelativeError(z.grad!, expectedGrad) <= Tolerance);
    }

    [Fact]
    public void CodistillCrossEntropy_HandComputedRow_MatchesClosedForm()
    {
        using var scope = NewDisposeScope();
        // One row z = (1, 2, 3), target 2, q = (0.25, 0.25, 0.5), T = 1.
        var z = tensor(new[] { 1.0, 2.0, 3.0 }, [1, 3], requires_grad: true);
        var q = tensor(new[] { 0.25, 0.25, 0.5 }, [1, 3]);
        var (task, psi) = F.codistill_cross_entropy(z, tensor(new long[] { 2 }), q);
        var lse = Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(3));
        Assert.Equal(lse - 3, task.item<double>(), 12);
        Assert.Equal(lse - (0.25 * 1 + 0.25 * 2 + 0.5 * 3), psi.item<double>(), 12);
        (task + psi).backward();
        var grad = z.grad!.ToArray<double>();
        double[] p = [Math.Exp(1 - lse), Math.Exp(2 - lse), Math.Exp(3 - lse)];
        double[] expected = [2 * p[0] - 0.25, 2 * p[1] - 0.25, 2 * p[2] - 1 - 0.5];
        for (var j = 0; j < 3; j++) Assert.Equal(expected[j], grad[j], 12);
    }

    [Theory]
    [InlineData(false, 1.0, MaskKind.None)]
    [InlineData(true, 2.5, MaskKind.Some)]
    public void CodistillCrossEntropy_Float64_PassesFiniteDifferenceCheck(bool kl, double temperature, MaskKind maskKind)
    {
        using var scope = NewDisposeScope();
        var (z, t, q, mask) = Case(seed: 5, 6, 7, temperature, maskKind, ScalarType.Float64);
        GradCheck.Check(inputs =>
        {
            var (task, psi) = F.codistill_cross_entropy(inputs[0], t, q, temperature, kl, mask);
            return task * 0.6 + psi * 1.7;
        }, [z], tolerance: 1e-7);
    }

    [Fact]
    public void CodistillCrossEntropy_Int32Targets_ErrorNamesTargets()
    {
        using var scope = NewDisposeScope();
        var z = randn(4, 5);
        var e = Assert.Throws<TorchException>(() => F.codistill_cross_entropy(z, tensor(new[] { 0, 1, 2, 3 }), null));
        Assert.Equal("codistill_cross_entropy", e.Op);
        Assert.Contains("targets must be int64", e.Message);
    }

    [Fact]
    public void CodistillCrossEntropy_TargetsOfWrongLength_ErrorNamesTargetsAndShape()
    {
        using var scope = NewDisposeScope();
        var e = Assert.Throws<TorchException>(() => F.codistill_cross_entropy(randn(4, 5), tensor(new long[] { 0, 1, 2 }), null));
        Assert.Contains("targets must have shape [4]", e.Message);
    }

    [Fact]
    public void CodistillCrossEntropy_TargetOutOfRange_ErrorNamesTargets()
    {
        using var scope = NewDisposeScope();
        var e = Assert.Throws<TorchException>(() => F.codistill_cross_entropy(randn(2, 5), tensor(new long[] { 0, 5 }), null));
        Assert.Contains("targets must be class indices in [0, 5)", e.Message);
    }

    [Fact]
    public void CodistillCrossEntropy_SoftTargetsOfWrongShapeOrDtype_ErrorNamesSoftTargets()
    {
        using var scope = NewDisposeScope();
        var t = tensor(new long[] { 0, 1 });
        var shape = Assert.Throws<TorchException>(() => F.codistill_cross_entropy(randn(2, 5), t, randn(2, 4)));
        Assert.Contains("soft_targets must have the shape of logits", shape.Message);
        var dtype = Assert.Throws<TorchException>(() => F.codistill_cross_entropy(randn(2, 5), t, randn([2, 5], ScalarType.Float64)));
        Assert.Contains("soft_targets must have the dtype of logits", dtype.Message);
    }

    [Fact]
    public void CodistillCrossEntropy_MaskOfWrongShape_ErrorNamesMask()
    {
        using var scope = NewDisposeScope();
        var e = Assert.Throws<TorchException>(() =>
            F.codistill_cross_entropy(randn(2, 5), tensor(new long[] { 0, 1 }), randn(2, 5).softmax(-1), mask: ones(3)));
        Assert.Contains("mask must have shape [2]", e.Message);
    }

    [Fact]
    public void CodistillCrossEntropy_LogitsNot2D_ErrorNamesLogits()
    {
        using var scope = NewDisposeScope();
        var e = Assert.Throws<TorchException>(() => F.codistill_cross_entropy(randn(5), tensor(new long[] { 0 }), null));
        Assert.Contains("logits must be 2-D", e.Message);
    }
}
