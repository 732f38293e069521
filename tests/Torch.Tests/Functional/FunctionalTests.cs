using static ActorCodistill.Torch.torch;
using F = ActorCodistill.Torch.torch.nn.functional;

namespace ActorCodistill.Torch.Tests.Functional;

[Trait("Category", "Unit")]
public class FunctionalTests
{
    private static void Near(double[] expected, Tensor actual, double tolerance = 1e-6)
    {
        var a = actual.ToArray<double>();
        Assert.Equal(expected.Length, a.Length);
        for (var i = 0; i < a.Length; i++)
            Assert.True(Math.Abs(expected[i] - a[i]) <= tolerance, $"element {i}: expected {expected[i]}, got {a[i]}");
    }

    [Fact]
    public void Linear_WithAndWithoutBias_ComputesXWtPlusB()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { 1, 2 }, [1, 2]);
        var w = tensor(new float[] { 1, 0, 0, 1, 1, 1 }, [3, 2]);
        var b = tensor(new float[] { 0.5f, -1, 0 });
        Near([1.5, 1, 3], F.linear(x, w, b));
        Near([1, 2, 3], F.linear(x, w));
        Assert.Equal("linear", Assert.Throws<TorchException>(() => F.linear(x, zeros(3, 3))).Op);
    }

    [Fact]
    public void LayerNorm_NormalizesLastDimThenAffine()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new[] { 1.0, 2.0, 3.0, 4.0 }, [1, 4]);
        // mean 2.5, biased variance 1.25
        var s = Math.Sqrt(1.25 + 1e-5);
        double[] norm = [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s];
        Near(norm, F.layer_norm(x, [4]), 1e-9);
        var w = tensor(new[] { 2.0, 2.0, 2.0, 2.0 });
        var b = tensor(new[] { 1.0, 1.0, 1.0, 1.0 });
        Near(norm.Select(v => 2 * v + 1).ToArray(), F.layer_norm(x, [4], w, b), 1e-9);
    }

    [Fact]
    public void Embedding_PicksRowsByIds()
    {
        using var scope = NewDisposeScope();
        var weight = arange(0, 6, dtype: ScalarType.Float32).reshape(3, 2);
        var ids = tensor(new long[] { 2, 0, 2, 1 }, [2, 2]);
        var e = F.embedding(ids, weight);
        Assert.Equal(new long[] { 2, 2, 2 }, e.shape);
        Near([4, 5, 0, 1, 4, 5, 2, 3], e);
        Assert.Equal("embedding", Assert.Throws<TorchException>(() => F.embedding(tensor(new long[] { 3 }), weight)).Op);
    }

    [Fact]
    public void Dropout_EvalOrZeroP_IsIdentity_TrainingZeroesAndRescales()
    {
        using var scope = NewDisposeScope();
        var x = ones(10000);
        Assert.Equal(x.ToArray<float>(), F.dropout(x, 0.5, training: false).ToArray<float>());
        Assert.Equal(x.ToArray<float>(), F.dropout(x, 0.0).ToArray<float>());
        manual_seed(5);
        var values = F.dropout(x, 0.25).ToArray<float>();
        Assert.All(values, v => Assert.True(v == 0f || Math.Abs(v - 1 / 0.75f) < 1e-6, $"unexpected {v}"));
        var zeroFraction = values.Count(v => v == 0f) / (double)values.Length;
        Assert.InRange(zeroFraction, 0.22, 0.28);
        Assert.Throws<ArgumentOutOfRangeException>(() => F.dropout(x, 1.5));
    }

    [Fact]
    public void Conv2d_2x2KernelOn3x3_MatchesHandConvolution()
    {
        using var scope = NewDisposeScope();
        var x = arange(0, 9, dtype: ScalarType.Float32).reshape(1, 1, 3, 3);
        // Kernel [[1,0],[0,-1]]: x[i][j] - x[i+1][j+1] = -4 everywhere, + bias 0.5.
        var w = tensor(new float[] { 1, 0, 0, -1 }, [1, 1, 2, 2]);
        var b = tensor(new float[] { 0.5f });
        var y = F.conv2d(x, w, b);
        Assert.Equal(new long[] { 1, 1, 2, 2 }, y.shape);
        Near([-3.5, -3.5, -3.5, -3.5], y);
        // Padding 1, stride 2: windows start at padded (0,0),(0,2),(2,0),(2,2): 0-0, 0-2, 0-6, 4-8.
        var p = F.conv2d(x, w, null, stride: 2, padding: 1);
        Assert.Equal(new long[] { 1, 1, 2, 2 }, p.shape);
        Near([0, -2, -6, -4], p);
    }

    [Fact]
    public void MaxPool2d_2x2_TakesWindowMaxima()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { 1, 5, 2, 0, 3, 4, 8, 1, 0, 0, 1, 1, 9, 0, 1, 7 }, [1, 1, 4, 4]);
        var y = F.max_pool2d(x, 2);
        Assert.Equal(new long[] { 1, 1, 2, 2 }, y.shape);
        Near([5, 8, 9, 7], y);
        Near([5, 8, 8, 4, 8, 8, 9, 1, 7], F.max_pool2d(x, 2, 1));
    }

    [Fact]
    public void GradCheck_LayerNormWithAffine()
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        var x = randn([3, 4], ScalarType.Float64, requires_grad: true);
        var w = randn([4], ScalarType.Float64, requires_grad: true);
        var b = randn([4], ScalarType.Float64, requires_grad: true);
        GradCheck.Check(i => F.layer_norm(i[0], [4], i[1], i[2]), [x, w, b], tolerance: 1e-5);
    }

    [Fact]
    public void GradCheck_Conv2d()
    {
        using var scope = NewDisposeScope();
        manual_seed(12);
        var x = randn([1, 2, 4, 4], ScalarType.Float64, requires_grad: true);
        var w = randn([3, 2, 2, 2], ScalarType.Float64, requires_grad: true);
        var b = randn([3], ScalarType.Float64, requires_grad: true);
        GradCheck.Check(i => F.conv2d(i[0], i[1], i[2], stride: 1, padding: 1), [x, w, b], tolerance: 1e-5, maxElementsPerInput: 16);
    }

    [Fact]
    public void GradCheck_EmbeddingWeightAndLinear()
    {
        using var scope = NewDisposeScope();
        manual_seed(13);
        var weight = randn([5, 3], ScalarType.Float64, requires_grad: true);
        var ids = tensor(new long[] { 4, 1, 1, 0 });
        var lw = randn([2, 3], ScalarType.Float64, requires_grad: true);
        var lb = randn([2], ScalarType.Float64, requires_grad: true);
        GradCheck.Check(i => F.linear(F.embedding(ids, i[0]), i[1], i[2]).tanh(), [weight, lw, lb]);
    }
}
