using ActorCodistill.Torch.Modules;
using static ActorCodistill.Torch.torch;
using static ActorCodistill.Torch.Tests.Nn.NnTestHelpers;

namespace ActorCodistill.Torch.Tests.Nn;

/// <summary>nn.Embedding(sparse: true): same forward, a sparse COO gradient equal to the dense one.</summary>
[Trait("Category", "Unit")]
public class EmbeddingSparseTests
{
    /// <summary>64 ids drawn from 20 rows (so duplicates are certain) with a fixed seed.</summary>
    private static long[] Ids(int seed, int count = 64, int rows = 20)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (long)random.Next(rows)).ToArray();
    }

    private static Embedding Table(bool sparse, ScalarType dtype = ScalarType.Float32, long num = 30, long dim = 4)
    {
        manual_seed(7);
        return nn.Embedding(num, dim, dtype: dtype, sparse: sparse);
    }

    /// <summary>loss = sum(emb(ids) * c): the gradient of row r is the sum of c over the positions that hold id r.</summary>
    private static void Backward(Embedding e, long[] ids, Tensor c)
    {
        using var scope = NewDisposeScope();
        var x = tensor(ids, new long[] { 8, ids.Length / 8 });
        (e.forward(x) * c).sum().backward();
    }

    [Theory]
    [InlineData(ScalarType.Float32, 1e-6)]
    [InlineData(ScalarType.Float64, 1e-12)]
    public void Backward_RandomIdsWithDuplicates_SparseGradientEqualsDenseGradient(ScalarType dtype, double tol)
    {
        using var scope = NewDisposeScope();
        using var dense = Table(sparse: false, dtype);
        using var sparse = Table(sparse: true, dtype);
        var ids = Ids(1);
        var c = randn(new long[] { 8, 8, 4 }, dtype);
        using (var x = tensor(ids, new long[] { 8, 8 }))
            Assert.Equal(D(dense.forward(x)), D(sparse.forward(x)));

        Backward(dense, ids, c);
        Backward(sparse, ids, c);

        var gd = dense.weight.grad!;
        var gs = sparse.weight.grad!;
        Assert.False(gd.is_sparse);
        Assert.True(gs.is_sparse);
        Assert.Equal(new long[] { 30, 4 }, gs.shape);
        Assert.Equal(ids.Length, gs._nnz());
        Assert.Equal(ids.Distinct().Count(), gs.coalesce()._nnz());
        AssertClose(D(gd), D(gs.to_dense()), 0, tol, "grad");

        // Hand check of one duplicated row: its gradient is the sum of c over its positions.
        var cs = D(c);
        var row = ids.GroupBy(i => i).First(g => g.Count() > 1).Key;
        var expected = new double[4];
        for (var k = 0; k < ids.Length; k++)
            if (ids[k] == row)
                for (var j = 0; j < 4; j++) expected[j] += cs[k * 4 + j];
        AssertClose(expected, D(gs.to_dense()).Skip((int)row * 4).Take(4).ToArray(), 0, tol, $"grad row {row}");
    }

    [Fact]
    public void ZeroGrad_SparseGradient_ClearsItAndTheNextBackwardIsFresh()
    {
        using var scope = NewDisposeScope();
        using var e = Table(sparse: true);
        var ids = Ids(2);
        var c = randn(8, 8, 4);
        Backward(e, ids, c);
        var first = D(e.weight.grad!.to_dense());

        e.zero_grad();
        var zeroed = e.weight.grad!;
        Assert.True(zeroed.is_sparse);
        Assert.All(D(zeroed.to_dense()), v => Assert.Equal(0.0, v));

        Backward(e, ids, c);
        AssertClose(first, D(e.weight.grad!.to_dense()), 0, 1e-6, "grad after zero_grad");

        // Without zero_grad gradients accumulate, as dense ones do.
        Backward(e, ids, c);
        AssertClose(first.Select(v => 2 * v).ToArray(), D(e.weight.grad!.to_dense()), 0, 2e-6, "accumulated grad");

        e.zero_grad(set_to_none: true);
        Assert.Null(e.weight.grad);
    }

    [Fact]
    public void Factory_SparseFlag_IsKeptAndDefaultsToDense()
    {
        using var a = nn.Embedding(5, 2);
        using var b = nn.Embedding(5, 2, sparse: true);
        Assert.False(a.sparse);
        Assert.True(b.sparse);
    }

    [Fact]
    public void ToDense_DenseTensor_ReturnsAnEqualCopy()
    {
        using var scope = NewDisposeScope();
        var t = tensor(new[] { 1f, 2f, 3f });
        var d = t.to_dense();
        Assert.False(d.is_sparse);
        Assert.Equal(F(t), F(d));
        var ex = Assert.Throws<TorchException>(() => t.coalesce());
        Assert.Contains("not sparse", ex.Message);
    }
}
