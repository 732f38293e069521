using ActorCodistill.Torch.Modules;
using static ActorCodistill.Torch.torch;
using static ActorCodistill.Torch.Tests.Nn.NnTestHelpers;

namespace ActorCodistill.Torch.Tests.Flat;

/// <summary>FlatParameters over a module whose embedding has a sparse gradient (the allreduce's export/import).</summary>
[Trait("Category", "Unit")]
public class FlatParametersSparseTests
{
    /// <summary>Parameters in order: a.weight, a.bias (dense), e.weight (sparse or dense), b.weight, b.bias (dense).</summary>
    private sealed class Net : nn.Module
    {
        public readonly Linear A;
        public readonly Embedding E;
        public readonly Linear B;

        public Net(bool sparse) : base(nameof(Net))
        {
            manual_seed(11);
            A = register_module("a", nn.Linear(3, 2));
            E = register_module("e", nn.Embedding(30, 4, sparse: sparse));
            B = register_module("b", nn.Linear(4, 1));
        }

        public void Backward(int seed)
        {
            using var scope = NewDisposeScope();
            manual_seed(seed);
            var x = randn(5, 3);
            var ids = tensor(new long[] { 3, 7, 3, 29, 0, 7, 7, 12 }, new long[] { 2, 4 });
            (A.forward(x).sum() + B.forward(E.forward(ids)).square().sum()).backward();
        }
    }

    [Fact]
    public void ExportGradients_SparseEmbeddingGradient_EqualsDenseModelExportAndStaysSparse()
    {
        using var scope = NewDisposeScope();
        using var dense = new Net(sparse: false);
        using var sparse = new Net(sparse: true);
        dense.Backward(5);
        sparse.Backward(5);
        var fd = new FlatParameters(dense);
        var fs = new FlatParameters(sparse);
        var bd = new float[fd.Count];
        var bs = new float[fs.Count];
        fd.ExportGradients(bd);
        fs.ExportGradients(bs);

        AssertClose(bd.Select(v => (double)v).ToArray(), bs.Select(v => (double)v).ToArray(), 0, 1e-6, "flat gradients");
        // The embedding's slice (after a.weight 6 + a.bias 2) holds row 7's gradient, summed over its three ids.
        Assert.NotEqual(0f, bs[8 + 7 * 4]);
        Assert.Equal(0f, bs[8 + 1 * 4]);
        Assert.True(sparse.E.weight.grad!.is_sparse);

        var hd = new Half[fd.Count];
        var hs = new Half[fs.Count];
        fd.ExportGradientsHalf(hd);
        fs.ExportGradientsHalf(hs);
        AssertClose(hd.Select(v => (double)v).ToArray(), hs.Select(v => (double)v).ToArray(), 1e-3, 1e-4, "flat fp16 gradients");
    }

    [Fact]
    public void ExportGradients_SparseGradientBesideMissingGradients_WritesZerosForTheMissing()
    {
        using var scope = NewDisposeScope();
        using var sparse = new Net(sparse: true);
        sparse.Backward(6);
        sparse.A.weight.grad = null;
        sparse.B.bias!.grad = null;
        var flat = new FlatParameters(sparse);
        var buffer = Enumerable.Repeat(9f, (int)flat.Count).ToArray();
        flat.ExportGradients(buffer);

        Assert.All(buffer[..6], v => Assert.Equal(0f, v));
        Assert.Equal(0f, buffer[^1]);
        Assert.Equal(F(sparse.A.bias!.grad!), buffer[6..8]);
        Assert.Equal(F(sparse.E.weight.grad!.to_dense()), buffer[8..128]);
        Assert.Equal(F(sparse.B.weight.grad!), buffer[128..132]);
    }

    [Fact]
    public void ImportGradients_OverSparseGradient_ReplacesItWithTheDenseBufferValues()
    {
        using var scope = NewDisposeScope();
        using var sparse = new Net(sparse: true);
        sparse.Backward(7);
        var flat = new FlatParameters(sparse);
        var buffer = Enumerable.Range(0, (int)flat.Count).Select(i => i * 0.5f).ToArray();
        flat.ImportGradients(buffer);

        var g = sparse.E.weight.grad!;
        Assert.False(g.is_sparse);
        Assert.Equal(buffer[8..128], F(g));
        var back = new float[flat.Count];
        flat.ExportGradients(back);
        Assert.Equal(buffer, back);

        // The optimizer takes the now-dense gradient.
        using var opt = optim.Adagrad(sparse.parameters(), lr: 0.1);
        var before = F(sparse.E.weight);
        opt.step();
        Assert.NotEqual(before[4], F(sparse.E.weight)[4]);
    }
}
