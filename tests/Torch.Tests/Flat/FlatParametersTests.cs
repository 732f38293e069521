using static ActorCodistill.Torch.torch;
using static ActorCodistill.Torch.Tests.Nn.NnTestHelpers;

namespace ActorCodistill.Torch.Tests.Flat;

[Trait("Category", "Unit")]
public class FlatParametersTests
{
    private static nn.Module<Tensor, Tensor> Model(long seed)
    {
        manual_seed(seed);
        return nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.LayerNorm(4), nn.Linear(4, 3));
    }

    [Fact]
    public void ExportParameters_Float32_ConcatenatesInNamedParametersOrder()
    {
        using var scope = NewDisposeScope();
        using var m = Model(1);
        var flat = new FlatParameters(m);
        Assert.Equal(m.named_parameters().Select(p => p.name), flat.Names);
        Assert.Equal(5 * 4 + 4 + 4 + 4 + 4 * 3 + 3, flat.Count);
        var buffer = new float[flat.Count];
        flat.ExportParameters(buffer);
        Assert.Equal(m.parameters().SelectMany(F).ToArray(), buffer);
    }

    [Fact]
    public void ImportParameters_Float32_RoundTripIsExact()
    {
        using var scope = NewDisposeScope();
        using var a = Model(1);
        using var b = Model(2);
        var fa = new FlatParameters(a);
        var fb = new FlatParameters(b);
        var buffer = new float[fa.Count];
        fa.ExportParameters(buffer);
        Assert.NotEqual(b.parameters().SelectMany(F).ToArray(), buffer);
        fb.ImportParameters(buffer);
        Assert.Equal(a.parameters().SelectMany(F).ToArray(), b.parameters().SelectMany(F).ToArray());
        Assert.All(b.parameters(), p => Assert.True(p.requires_grad && p.is_leaf));
    }

    [Fact]
    public void Half_RoundTrip_WithinHalfPrecision()
    {
        using var scope = NewDisposeScope();
        using var a = Model(3);
        using var b = Model(4);
        var fa = new FlatParameters(a);
        var half = new Half[fa.Count];
        fa.ExportParametersHalf(half);
        var exact = a.parameters().SelectMany(F).ToArray();
        for (var i = 0; i < exact.Length; i++) Assert.Equal((Half)exact[i], half[i]);

        new FlatParameters(b).ImportParametersHalf(half);
        var back = b.parameters().SelectMany(F).ToArray();
        for (var i = 0; i < exact.Length; i++)
            Assert.True(Math.Abs(exact[i] - back[i]) <= 1e-3 * Math.Abs(exact[i]) + 1e-7, $"element {i}: {back[i]} vs {exact[i]}");
    }

    [Fact]
    public void Gradients_ExportAndImport_MatchGradsAndDriveTheOptimizer()
    {
        using var scope = NewDisposeScope();
        using var m = Model(5);
        var flat = new FlatParameters(m);
        var grads = new float[flat.Count];
        flat.ExportGradients(grads);
        Assert.All(grads, g => Assert.Equal(0f, g)); // no gradients yet -> zeros

        m.forward(randn(6, 5)).sum().backward();
        flat.ExportGradients(grads);
        Assert.Equal(m.parameters().SelectMany(p => F(p.grad!)).ToArray(), grads);

        // Import halved gradients (an "average" with a zero peer); SGD then moves by exactly lr * g / 2.
        var before = new float[flat.Count];
        flat.ExportParameters(before);
        flat.ImportGradients(grads.Select(g => g / 2).ToArray());
        using var opt = optim.SGD(m.parameters(), lr: 1.0);
        opt.step();
        var after = new float[flat.Count];
        flat.ExportParameters(after);
        for (var i = 0; i < after.Length; i++) Assert.Equal(before[i] - grads[i] / 2, after[i], 6);

        var bytes = new byte[flat.Count * 2];
        flat.Export(bytes, ScalarType.Float16, gradients: true);
        var viaHalf = new Half[flat.Count];
        flat.ExportGradientsHalf(viaHalf);
        Assert.Equal(System.Runtime.InteropServices.MemoryMarshal.Cast<Half, byte>(viaHalf).ToArray(), bytes);
    }

    [Fact]
    public void WrongBufferSize_ThrowsNamingBothSizes()
    {
        using var scope = NewDisposeScope();
        using var m = Model(6);
        var flat = new FlatParameters(m);
        var e = Assert.Throws<ArgumentException>(() => flat.ExportParameters(new float[flat.Count - 1]));
        Assert.Contains($"has {flat.Count - 1} elements", e.Message);
        Assert.Contains($"hold {flat.Count}", e.Message);
        Assert.Throws<ArgumentException>(() => flat.ImportParametersHalf(new Half[flat.Count + 1]));
        Assert.Throws<ArgumentException>(() => flat.Import(new byte[flat.Count * 4 + 2], ScalarType.Float32));
    }
}
