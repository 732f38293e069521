using ActorCodistill.Torch.Modules;
using static ActorCodistill.Torch.torch;
using static ActorCodistill.Torch.Tests.Nn.NnTestHelpers;

namespace ActorCodistill.Torch.Tests.Optim;

/// <summary>
/// Optimizers over nn.Embedding(sparse: true): SGD and Adagrad update only the touched rows and land where the dense
/// step lands; Adam and Adagrad's weight decay refuse a sparse gradient before changing anything.
/// </summary>
[Trait("Category", "Unit")]
public class SparseOptimizerTests
{
    private const long Rows = 200;
    private const long Dim = 8;

    /// <summary>Ids of step <paramref name="step"/>: 48 draws from rows [0, 100), so duplicates are certain and rows 100+ never appear.</summary>
    private static long[] Ids(int step)
    {
        var random = new Random(1000 + step);
        return Enumerable.Range(0, 48).Select(_ => (long)random.Next(100)).ToArray();
    }

    private static Embedding Table(bool sparse, ScalarType dtype)
    {
        manual_seed(3);
        return nn.Embedding(Rows, Dim, dtype: dtype, sparse: sparse);
    }

    /// <summary>loss = sum(e * c) + 0.1 * sum(e^2): the gradient depends on the current weights, so a wrong row update shows up later.</summary>
    private static void Step(Embedding e, optim.Optimizer opt, int step, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        opt.zero_grad();
        manual_seed(500 + step);
        var c = randn(new long[] { 6, 8, Dim }, dtype);
        var x = e.forward(tensor(Ids(step), new long[] { 6, 8 }));
        ((x * c).sum() + x.square().sum() * 0.1).backward();
        opt.step();
    }

    private static (double[] Dense, double[] Sparse, double[] Initial) Train(Func<IEnumerable<Tensor>, optim.Optimizer> make, ScalarType dtype, int steps = 12)
    {
        using var dense = Table(sparse: false, dtype);
        using var sparse = Table(sparse: true, dtype);
        var initial = D(sparse.weight);
        using var od = make(dense.parameters());
        using var os = make(sparse.parameters());
        for (var s = 0; s < steps; s++)
        {
            Step(dense, od, s, dtype);
            Step(sparse, os, s, dtype);
            Assert.True(sparse.weight.grad!.is_sparse);
        }
        return (D(dense.weight), D(sparse.weight), initial);
    }

    private static void AssertUntouchedRowsBitwise(double[] initial, double[] actual)
    {
        var touched = Enumerable.Range(0, 12).SelectMany(Ids).ToHashSet();
        var untouched = 0;
        for (long r = 0; r < Rows; r++)
        {
            if (touched.Contains(r)) continue;
            untouched++;
            for (var j = 0; j < Dim; j++)
                Assert.True(BitConverter.DoubleToInt64Bits(initial[r * Dim + j]) == BitConverter.DoubleToInt64Bits(actual[r * Dim + j]),
                    $"row {r} was never looked up but changed: {initial[r * Dim + j]:R} -> {actual[r * Dim + j]:R}");
        }
        Assert.True(untouched >= 100, $"only {untouched} untouched rows");
    }

    /// <summary>
    /// Bitwise, not just within 1e-6: the row loop sums duplicate ids in the order the dense embedding backward adds
    /// them and applies the dense kernel's per-element formula, so any drift (a coalesce-order sum, a reordered
    /// formula, a skipped or double-applied row) shows.
    /// </summary>
    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float64)]
    public void Adagrad_SparseEmbedding_EqualsDenseBitwiseAndLeavesUntouchedRowsUnchanged(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var (d, s, initial) = Train(p => optim.Adagrad(p, lr: 0.05, lr_decay: 0.01, initial_accumulator_value: 0.1), dtype);
        Assert.Equal(d, s);
        AssertUntouchedRowsBitwise(initial, s);
        Assert.True(d.Zip(initial).Count(t => t.First != t.Second) > 50, "the dense run did not move the weights");
    }

    [Fact]
    public void Adagrad_SparseEmbedding_StateEqualsDenseState()
    {
        using var scope = NewDisposeScope();
        using var dense = Table(sparse: false, ScalarType.Float32);
        using var sparse = Table(sparse: true, ScalarType.Float32);
        using var od = optim.Adagrad(dense.parameters(), lr: 0.05);
        using var os = optim.Adagrad(sparse.parameters(), lr: 0.05);
        for (var s = 0; s < 4; s++)
        {
            Step(dense, od, s, ScalarType.Float32);
            Step(sparse, os, s, ScalarType.Float32);
        }
        using var sd = od.state_dict();
        using var ss = os.state_dict();
        Assert.Equal(4, ss.Parameters[0].Step);
        Assert.Equal(D(sd.Parameters[0].Tensors["sum"]), D(ss.Parameters[0].Tensors["sum"]));
    }

    [Fact]
    public void Adagrad_SparseOneStepWithDuplicateIds_MatchesHandComputedUpdate()
    {
        using var scope = NewDisposeScope();
        var w0 = new[] { 1.0, -1.0, 0.5, 2.0, -0.25, 0.75, 3.0, -3.0 };
        using var e = nn.Embedding(4, 2, dtype: ScalarType.Float64, sparse: true);
        using (no_grad()) e.weight.copy_(tensor(w0, new long[] { 4, 2 }));
        using var opt = optim.Adagrad(e.parameters(), lr: 0.5, initial_accumulator_value: 0.25, eps: 1e-10);
        var c = new[] { 0.3, -0.6, 0.9, 0.2, -1.2, 0.4 };
        (e.forward(tensor(new long[] { 1, 1, 3 })) * tensor(c, new long[] { 3, 2 })).sum().backward();
        opt.step();

        // Row 1 gets c0 + c1 = (1.2, -0.4), row 3 gets c2 = (-1.2, 0.4); rows 0 and 2 have no gradient.
        var grad = new[] { 0, 0, 1.2, -0.4, 0, 0, -1.2, 0.4 };
        var expected = w0.Select((w, i) => w - 0.5 * grad[i] / (Math.Sqrt(0.25 + grad[i] * grad[i]) + 1e-10)).ToArray();
        AssertClose(expected, D(e.weight), 1e-14, 1e-14, "weights");
        var after = D(e.weight);
        Assert.Equal(new[] { w0[0], w0[1], w0[4], w0[5] }, new[] { after[0], after[1], after[4], after[5] });
    }

    [Fact]
    public void Adagrad_SparseWithZeroEpsAndZeroState_UpdatesOnlyTouchedRowsWhereDenseGivesNaN()
    {
        // With eps 0 and a zero sum, the dense formula divides 0 by 0 on every row without gradient; the sparse
        // step never visits those rows (as PyTorch's sparse Adagrad), which shows the row path ran.
        using var scope = NewDisposeScope();
        var (d, s, initial) = Train(p => optim.Adagrad(p, lr: 0.05, eps: 0), ScalarType.Float32, steps: 1);
        var touched = Ids(0).ToHashSet();
        Assert.Contains(d, double.IsNaN);
        for (var i = 0; i < s.Length; i++)
        {
            if (touched.Contains(i / Dim)) Assert.Equal(d[i], s[i], 6);
            else Assert.Equal(initial[i], s[i]);
        }
    }

    [Fact]
    public void SGD_SparseEmbeddingWithoutMomentum_EqualsDenseBitwiseAndLeavesUntouchedRowsUnchanged()
    {
        using var scope = NewDisposeScope();
        var (d, s, initial) = Train(p => optim.SGD(p, lr: 0.05), ScalarType.Float32);
        Assert.Equal(d, s);
        AssertUntouchedRowsBitwise(initial, s);
    }

    [Fact]
    public void SGD_SparseEmbeddingWithMomentumAndWeightDecay_MatchesDense()
    {
        using var scope = NewDisposeScope();
        var (d, s, _) = Train(p => optim.SGD(p, lr: 0.05, momentum: 0.9, weight_decay: 0.01), ScalarType.Float64);
        AssertClose(d, s, 0, 1e-12, "weights");
    }

    [Fact]
    public void Adam_SparseGradient_ThrowsClearErrorBeforeChangingAnyParameter()
    {
        using var scope = NewDisposeScope();
        using var head = nn.Linear(8, 1);
        using var e = Table(sparse: true, ScalarType.Float32);
        using var opt = optim.Adam(head.parameters().Concat(e.parameters()), lr: 0.1);
        head.forward(e.forward(tensor(Ids(0)))).sum().backward();
        var before = D(head.weight);

        var ex = Assert.Throws<TorchException>(() => opt.step());
        Assert.Equal("Adam.step", ex.Op);
        Assert.Contains("sparse gradient", ex.Message);
        Assert.Contains("Adam does not support sparse gradients", ex.Message);
        Assert.Equal(before, D(head.weight));
    }

    [Fact]
    public void Adagrad_SparseGradientWithWeightDecay_ThrowsClearError()
    {
        using var scope = NewDisposeScope();
        using var e = Table(sparse: true, ScalarType.Float32);
        using var opt = optim.Adagrad(e.parameters(), weight_decay: 0.01);
        e.forward(tensor(Ids(0))).sum().backward();
        var before = D(e.weight);

        var ex = Assert.Throws<TorchException>(() => opt.step());
        Assert.Contains("weight_decay is not compatible with sparse gradients", ex.Message);
        Assert.Equal(before, D(e.weight));
    }
}
