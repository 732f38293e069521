using static ActorCodistill.Torch.torch;

namespace ActorCodistill.Torch.Tests.Tensors;

[Trait("Category", "Unit")]
public class TensorOpsTests
{
    private static float[] Values(Tensor t) => t.ToArray<float>();

    private static void Near(double[] expected, Tensor actual, double tolerance = 1e-6)
    {
        var a = actual.ToArray<double>();
        Assert.Equal(expected.Length, a.Length);
        for (var i = 0; i < a.Length; i++)
            Assert.True(Math.Abs(expected[i] - a[i]) <= tolerance, $"element {i}: expected {expected[i]}, got {a[i]}");
    }

    [Fact]
    public void Arithmetic_TensorAndScalar_GivesElementwiseResults()
    {
        using var scope = NewDisposeScope();
        var a = tensor(new float[] { 1, 2, 3, 4 }, [2, 2]);
        var b = tensor(new float[] { 2, 2, 4, 8 }, [2, 2]);
        Assert.Equal(new float[] { 3, 4, 7, 12 }, Values(a + b));
        Assert.Equal(new float[] { -1, 0, -1, -4 }, Values(a - b));
        Assert.Equal(new float[] { 2, 4, 12, 32 }, Values(a * b));
        Assert.Equal(new float[] { 0.5f, 1, 0.75f, 0.5f }, Values(a / b));
        Assert.Equal(new float[] { 11, 12, 13, 14 }, Values(a + 10));
        Assert.Equal(new float[] { 9, 8, 7, 6 }, Values(10 - a));
        Assert.Equal(new float[] { -0.5f, 0, 0.5f, 1 }, Values(a * 0.5 - 1));
        Assert.Equal(new float[] { 4, 4, 2, 1 }, Values(8 / b));
        Assert.Equal(new float[] { -1, -2, -3, -4 }, Values(-a));
        Assert.Equal(new float[] { 1, 4, 9, 16 }, Values(a.pow(2)));
        Assert.Equal(new float[] { 1, 4, 9, 16 }, Values(a.square()));
    }

    [Fact]
    public void Add_Broadcasting_RowVectorOverMatrix()
    {
        using var scope = NewDisposeScope();
        var m = tensor(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
        var row = tensor(new float[] { 10, 20, 30 });
        Assert.Equal(new float[] { 11, 22, 33, 14, 25, 36 }, Values(m + row));
    }

    [Fact]
    public void InPlace_Ops_ModifyAndReturnSameTensor()
    {
        using var scope = NewDisposeScope();
        var a = tensor(new float[] { 1, 2 });
        var b = tensor(new float[] { 3, 5 });
        Assert.Same(a, a.add_(b));
        Assert.Equal(new float[] { 4, 7 }, Values(a));
        a.mul_(2).sub_(1).div_(b);
        Assert.Equal(new float[] { 7f / 3, 13f / 5 }, Values(a));
        a.copy_(b);
        Assert.Equal(new float[] { 3, 5 }, Values(a));
    }

    [Fact]
    public void Matmul_2x3By3x2_MatchesHandProduct()
    {
        using var scope = NewDisposeScope();
        var a = tensor(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
        var b = tensor(new float[] { 7, 8, 9, 10, 11, 12 }, [3, 2]);
        // [1*7+2*9+3*11, 1*8+2*10+3*12; 4*7+5*9+6*11, 4*8+5*10+6*12]
        var c = matmul(a, b);
        Assert.Equal(new long[] { 2, 2 }, c.shape);
        Assert.Equal(new float[] { 58, 64, 139, 154 }, Values(c));
    }

    [Fact]
    public void Activations_MatchClosedForms()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new[] { -2.0, 0.0, 1.5 });
        Near([0, 0, 1.5], x.relu());
        Near([Math.Tanh(-2), 0, Math.Tanh(1.5)], x.tanh(), 1e-12);
        Near([1 / (1 + Math.Exp(2)), 0.5, 1 / (1 + Math.Exp(-1.5))], x.sigmoid(), 1e-12);
        Near([Math.Exp(-2), 1, Math.Exp(1.5)], x.exp(), 1e-12);
        Near([2, 0, 1.5], x.abs());
        Near([-1, 0, 1], x.clamp(-1, 1));
        Near([0, 0, 1.5], x.clamp(min: 0));
        var p = tensor(new[] { 1.0, 4.0 });
        Near([0, Math.Log(4)], p.log(), 1e-12);
        Near([1, 2], p.sqrt());
    }

    [Fact]
    public void Softmax_AndLogSoftmax_MatchClosedForm()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new[] { 1.0, 2.0, 3.0, 0.0, 0.0, 0.0 }, [2, 3]);
        var z = Math.Exp(1) + Math.Exp(2) + Math.Exp(3);
        double[] expected = [Math.Exp(1) / z, Math.Exp(2) / z, Math.Exp(3) / z, 1.0 / 3, 1.0 / 3, 1.0 / 3];
        Near(expected, x.softmax(1), 1e-12);
        Near(expected.Select(v => Math.Log(v)).ToArray(), x.log_softmax(-1), 1e-12);
        Near(expected, nn.functional.softmax(x, 1), 1e-12);
    }

    [Fact]
    public void Reductions_WithAndWithoutDims_MatchHandSums()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
        Assert.Equal(21f, x.sum().item<float>());
        Assert.Equal(3.5f, x.mean().item<float>());
        Assert.Equal(new float[] { 5, 7, 9 }, Values(x.sum(0)));
        Assert.Equal(new float[] { 2, 5 }, Values(x.mean([1])));
        var kept = x.sum([1], keepdim: true);
        Assert.Equal(new long[] { 2, 1 }, kept.shape);
        Assert.Equal(21f, x.sum([0, 1]).item<float>());
        Assert.Equal(6f, x.max().item<float>());
        Assert.Equal(1f, x.min().item<float>());
        Assert.Equal(new long[] { 2, 2 }, x.argmax(1).ToArray<long>());
    }

    [Fact]
    public void ShapeOps_ReshapeViewTransposePermuteFlatten()
    {
        using var scope = NewDisposeScope();
        var x = arange(0, 6, dtype: ScalarType.Float32);
        var m = x.reshape(2, 3);
        Assert.Equal(new long[] { 2, 3 }, m.shape);
        Assert.Equal(new long[] { 3, 2 }, x.view(3, -1).shape);
        var t = m.transpose(0, 1);
        Assert.Equal(new long[] { 3, 2 }, t.shape);
        Assert.Equal(new float[] { 0, 3, 1, 4, 2, 5 }, Values(t));
        var cube = arange(0, 24, dtype: ScalarType.Float32).reshape(2, 3, 4);
        Assert.Equal(new long[] { 4, 2, 3 }, cube.permute(2, 0, 1).shape);
        Assert.Equal(new long[] { 2, 12 }, cube.flatten(1).shape);
        Assert.Equal(new long[] { 24 }, cube.flatten().shape);
        Assert.Equal(new long[] { 2, 1, 3 }, m.unsqueeze(1).shape);
        Assert.Equal(new long[] { 2, 3 }, m.unsqueeze(0).squeeze(0).shape);
        Assert.Equal(new long[] { 3 }, zeros(1, 3, 1).squeeze().shape);
        Assert.Equal(new long[] { 4, 2, 3 }, m.expand(4, 2, 3).shape);
    }

    [Fact]
    public void View_OfTransposed_ThrowsNamingView()
    {
        using var scope = NewDisposeScope();
        var t = zeros(2, 3).t();
        var e = Assert.Throws<TorchException>(() => t.view(6));
        Assert.Equal("view", e.Op);
        Assert.Equal(new long[] { 6 }, t.reshape(6).shape);
    }

    [Fact]
    public void CatStack_JoinAlongDims()
    {
        using var scope = NewDisposeScope();
        var a = tensor(new float[] { 1, 2 }, [1, 2]);
        var b = tensor(new float[] { 3, 4, 5, 6 }, [2, 2]);
        var c = cat([a, b], 0);
        Assert.Equal(new long[] { 3, 2 }, c.shape);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, Values(c));
        var s = stack([a, a], 1);
        Assert.Equal(new long[] { 1, 2, 2 }, s.shape);
        var e = Assert.Throws<TorchException>(() => cat([a, b], 1));
        Assert.Equal("cat", e.Op);
    }

    [Fact]
    public void SliceNarrowIndexSelect_PickExpectedElements()
    {
        using var scope = NewDisposeScope();
        var m = arange(0, 12, dtype: ScalarType.Float32).reshape(3, 4);
        Assert.Equal(new float[] { 4, 5, 6, 7, 8, 9, 10, 11 }, Values(m.slice(0, 1, 3)));
        Assert.Equal(new float[] { 0, 2, 4, 6, 8, 10 }, Values(m.slice(1, 0, 4, 2)));
        Assert.Equal(new float[] { 1, 2, 5, 6, 9, 10 }, Values(m.narrow(1, 1, 2)));
        var idx = tensor(new long[] { 2, 0, 2 });
        var picked = m.index_select(0, idx);
        Assert.Equal(new long[] { 3, 4 }, picked.shape);
        Assert.Equal(new float[] { 8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11 }, Values(picked));
        // A slice is a view: writing through it changes the original.
        m.slice(0, 0, 1).zero_();
        Assert.Equal(0f, Values(m.sum([1]))[0]);
    }

    [Fact]
    public void Comparisons_GiveBoolTensors()
    {
        using var scope = NewDisposeScope();
        var a = tensor(new float[] { 1, 2, 3 });
        var b = tensor(new float[] { 3, 2, 1 });
        var eq = a.eq(b);
        Assert.Equal(ScalarType.Bool, eq.dtype);
        Assert.Equal(new[] { false, true, false }, eq.ToArray<bool>());
        Assert.Equal(new[] { false, false, true }, a.gt(b).ToArray<bool>());
        Assert.Equal(new[] { true, false, false }, a.lt(b).ToArray<bool>());
        Assert.Equal(new[] { false, true, true }, a.ge(2).ToArray<bool>());
        Assert.Equal(new[] { true, false, true }, a.ne(2).ToArray<bool>());
        Assert.Equal(new float[] { 3, 2, 3 }, Values(a.maximum(b)));
        Assert.True(a.allclose(a + 1e-7));
        Assert.False(a.allclose(b));
    }

    [Fact]
    public void To_ConvertsDtype()
    {
        using var scope = NewDisposeScope();
        var f = tensor(new float[] { 1.7f, -2.2f });
        Assert.Equal(new long[] { 1, -2 }, f.to(ScalarType.Int64).ToArray<long>());
        Assert.Equal(ScalarType.Float64, f.to(ScalarType.Float64, CPU).dtype);
        Assert.Equal(CPU, f.to(CPU).device);
    }
}

