using static ActorCodistill.Torch.torch;
using F = ActorCodistill.Torch.torch.nn.functional;
using Reduction = ActorCodistill.Torch.torch.nn.Reduction;

namespace ActorCodistill.Torch.Tests.Functional;

[Trait("Category", "Unit")]
public class LossTests
{
    private static readonly double Lse123 = Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(3));

    private static Tensor Logits() => tensor(new[] { 1.0, 2.0, 3.0, 1.0, 1.0, 1.0 }, [2, 3]);

    [Fact]
    public void CrossEntropy_ClassIndices_MatchesLogSumExpMinusTargetLogit()
    {
        using var scope = NewDisposeScope();
        var target = tensor(new long[] { 2, 0 });
        var row0 = Lse123 - 3;
        var row1 = Math.Log(3);
        Assert.Equal((row0 + row1) / 2, F.cross_entropy(Logits(), target).item<double>(), 12);
        Assert.Equal(row0 + row1, F.cross_entropy(Logits(), target, Reduction.Sum).item<double>(), 12);
        var none = F.cross_entropy(Logits(), target, Reduction.None).ToArray<double>();
        Assert.Equal(row0, none[0], 12);
        Assert.Equal(row1, none[1], 12);
    }

    [Fact]
    public void CrossEntropy_SoftTargets_IsExpectedNegativeLogProbability()
    {
        using var scope = NewDisposeScope();
        var probs = tensor(new[] { 0.25, 0.25, 0.5, 1.0, 0.0, 0.0 }, [2, 3]);
        var row0 = -(0.25 * (1 - Lse123) + 0.25 * (2 - Lse123) + 0.5 * (3 - Lse123));
        var row1 = Math.Log(3);
        Assert.Equal((row0 + row1) / 2, F.cross_entropy(Logits(), probs).item<double>(), 12);
        // One-hot soft targets equal the index form.
        var oneHot = tensor(new[] { 0.0, 0.0, 1.0, 1.0, 0.0, 0.0 }, [2, 3]);
        Assert.Equal(F.cross_entropy(Logits(), tensor(new long[] { 2, 0 })).item<double>(), F.cross_entropy(Logits(), oneHot).item<double>(), 12);
    }

    [Fact]
    public void BinaryCrossEntropyWithLogits_MatchesClosedForm()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new[] { 0.0, 2.0 });
        var y = tensor(new[] { 1.0, 0.0 });
        // -[y log s(x) + (1-y) log(1-s(x))]: log 2 for (0, 1); log(1+e^2) for (2, 0).
        double[] expected = [Math.Log(2), Math.Log(1 + Math.Exp(2))];
        Assert.Equal(expected.Average(), F.binary_cross_entropy_with_logits(x, y).item<double>(), 12);
        Assert.Equal(expected.Sum(), F.binary_cross_entropy_with_logits(x, y, Reduction.Sum).item<double>(), 12);
    }

    [Fact]
    public void KlDiv_PointwiseTargetTimesLogRatio_AllReductions()
    {
        using var scope = NewDisposeScope();
        var q = new[] { 0.5, 0.5, 0.25, 0.75 };
        var p = new[] { 0.25, 0.75, 0.5, 0.5 };
        var input = tensor(q.Select(v => Math.Log(v)).ToArray(), [2, 2]);
        var target = tensor(p, [2, 2]);
        var sum = p.Select((pi, i) => pi * (Math.Log(pi) - Math.Log(q[i]))).Sum();
        Assert.Equal(sum, F.kl_div(input, target, Reduction.Sum).item<double>(), 12);
        Assert.Equal(sum / 2, F.kl_div(input, target, Reduction.BatchMean).item<double>(), 12);
        Assert.Equal(sum / 4, F.kl_div(input, target, Reduction.Mean).item<double>(), 12);
        var logTarget = tensor(p.Select(v => Math.Log(v)).ToArray(), [2, 2]);
        Assert.Equal(sum, F.kl_div(input, logTarget, Reduction.Sum, log_target: true).item<double>(), 12);
    }

    [Fact]
    public void MseLoss_MeanAndSumOfSquaredErrors()
    {
        using var scope = NewDisposeScope();
        var a = tensor(new[] { 1.0, 2.0, 3.0 });
        var b = tensor(new[] { 1.5, 0.0, 3.0 });
        Assert.Equal((0.25 + 4) / 3, F.mse_loss(a, b).item<double>(), 12);
        Assert.Equal(4.25, F.mse_loss(a, b, Reduction.Sum).item<double>(), 12);
        Assert.Equal(new[] { 0.25, 4, 0 }, F.mse_loss(a, b, Reduction.None).ToArray<double>());
        Assert.Throws<ArgumentException>(() => F.mse_loss(a, b, Reduction.BatchMean));
    }

    [Fact]
    public void GradCheck_CrossEntropyIndices()
    {
        using var scope = NewDisposeScope();
        manual_seed(21);
        var x = randn([4, 5], ScalarType.Float64, requires_grad: true);
        var target = tensor(new long[] { 0, 4, 2, 2 });
        GradCheck.Check(i => F.cross_entropy(i[0], target), [x]);
        GradCheck.Check(i => F.cross_entropy(i[0], target, Reduction.None), [x]);
    }

    [Fact]
    public void GradCheck_CrossEntropySoftTargets_BothArguments()
    {
        using var scope = NewDisposeScope();
        manual_seed(22);
        var x = randn([3, 4], ScalarType.Float64, requires_grad: true);
        var t = randn([3, 4], ScalarType.Float64).softmax(1).requires_grad_();
        GradCheck.Check(i => F.cross_entropy(i[0], i[1]), [x, t]);
    }

    [Fact]
    public void GradCheck_BinaryCrossEntropyWithLogits()
    {
        using var scope = NewDisposeScope();
        manual_seed(23);
        var x = randn([3, 4], ScalarType.Float64, requires_grad: true);
        var y = rand([3, 4], ScalarType.Float64, requires_grad: true);
        GradCheck.Check(i => F.binary_cross_entropy_with_logits(i[0], i[1]), [x, y]);
    }

    [Fact]
    public void GradCheck_KlDiv_BatchMeanAndLogTarget()
    {
        using var scope = NewDisposeScope();
        manual_seed(24);
        var input = randn([3, 4], ScalarType.Float64).log_softmax(1).requires_grad_();
        var target = randn([3, 4], ScalarType.Float64).softmax(1).requires_grad_();
        GradCheck.Check(i => F.kl_div(i[0], i[1], Reduction.BatchMean), [input, target]);
        var logTarget = randn([3, 4], ScalarType.Float64).log_softmax(1).requires_grad_();
        GradCheck.Check(i => F.kl_div(i[0], i[1], Reduction.Sum, log_target: true), [input, logTarget]);
    }

    [Fact]
    public void GradCheck_MseLoss()
    {
        using var scope = NewDisposeScope();
        manual_seed(25);
        var a = randn([5], ScalarType.Float64, requires_grad: true);
        var b = randn([5], ScalarType.Float64, requires_grad: true);
        GradCheck.Check(i => F.mse_loss(i[0], i[1]), [a, b]);
    }
}
