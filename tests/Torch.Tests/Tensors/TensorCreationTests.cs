using static ActorCodistill.Torch.torch;

namespace ActorCodistill.Torch.Tests.Tensors;

[Trait("Category", "Unit")]
public class TensorCreationTests
{
    [Fact]
    public void Tensor_FromFloatSpan_KeepsShapeDtypeAndValues()
    {
        using var t = tensor(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
        Assert.Equal(new long[] { 2, 3 }, t.shape);
        Assert.Equal(2, t.dim());
        Assert.Equal(6, t.numel());
        Assert.Equal(ScalarType.Float32, t.dtype);
        Assert.Equal(CPU, t.device);
        Assert.False(t.requires_grad);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, t.ToArray<float>());
    }

    [Fact]
    public void Tensor_FromLongDoubleBoolSpans_HaveTheirDtypes()
    {
        using var l = tensor(new long[] { 3, -1, long.MaxValue });
        using var d = tensor(new[] { 0.1, 0.2 });
        using var b = tensor(new[] { true, false, true });
        Assert.Equal(ScalarType.Int64, l.dtype);
        Assert.Equal(new long[] { 3, -1, long.MaxValue }, l.ToArray<long>());
        Assert.Equal(ScalarType.Float64, d.dtype);
        Assert.Equal(new[] { 0.1, 0.2 }, d.ToArray<double>());
        Assert.Equal(ScalarType.Bool, b.dtype);
        Assert.Equal(new[] { true, false, true }, b.ToArray<bool>());
    }

    [Fact]
    public void Tensor_WithDtypeArgument_ConvertsOnCreation()
    {
        using var t = tensor(new float[] { 1.5f, -2.5f }, dtype: ScalarType.Float64, requires_grad: true);
        Assert.Equal(ScalarType.Float64, t.dtype);
        Assert.True(t.requires_grad);
        Assert.True(t.is_leaf);
        Assert.Equal(new[] { 1.5, -2.5 }, t.ToArray<double>());
    }

    [Fact]
    public void Tensor_DataLengthNotMatchingShape_ThrowsNamingTensor()
    {
        var e = Assert.Throws<TorchException>(() => tensor(new float[] { 1, 2, 3 }, [2, 2]));
        Assert.Equal("tensor", e.Op);
        Assert.Contains("4 elements", e.Message);
    }

    [Fact]
    public void Float16_RoundTrip_StaysWithinHalfPrecision()
    {
        // float16 keeps 11 significant bits: a normal value comes back within a relative 2^-11.
        var random = new Random(7);
        var values = new float[1000];
        for (var i = 0; i < values.Length; i++)
            values[i] = (float)((random.NextDouble() * 2 - 1) * Math.Pow(2, random.Next(-10, 12)));
        using var f32 = tensor(values);
        using var f16 = f32.to(ScalarType.Float16);
        Assert.Equal(ScalarType.Float16, f16.dtype);
        var back = f16.ToArray<float>();
        var halves = f16.ToArray<Half>();
        for (var i = 0; i < values.Length; i++)
        {
            Assert.True(Math.Abs(back[i] - values[i]) <= Math.Abs(values[i]) * Math.Pow(2, -11), $"element {i}: {values[i]} -> {back[i]}");
            Assert.Equal(back[i], (float)halves[i]);
        }
    }

    [Fact]
    public void Tensor_FromHalfSpan_ReadsBackSameBits()
    {
        var halves = new[] { (Half)1.0, (Half)(-0.333), Half.MaxValue, (Half)6.1e-5 };
        using var t = tensor(halves);
        Assert.Equal(ScalarType.Float16, t.dtype);
        Assert.Equal(halves, t.ToArray<Half>());
    }

    [Fact]
    public void Factories_ZerosOnesFullArange_HaveExpectedValues()
    {
        using var z = zeros(2, 2);
        using var o = ones([3], ScalarType.Int64);
        using var f = full([2], 2.5, ScalarType.Float64);
        using var a = arange(0, 5);
        using var af = arange(0, 1, 0.25);
        Assert.Equal(new float[4], z.ToArray<float>());
        Assert.Equal(new long[] { 1, 1, 1 }, o.ToArray<long>());
        Assert.Equal(new[] { 2.5, 2.5 }, f.ToArray<double>());
        Assert.Equal(ScalarType.Int64, a.dtype);
        Assert.Equal(new long[] { 0, 1, 2, 3, 4 }, a.ToArray<long>());
        Assert.Equal(new float[] { 0, 0.25f, 0.5f, 0.75f }, af.ToArray<float>());
    }

    [Fact]
    public void Randn_SameSeed_SameDraws()
    {
        manual_seed(42);
        using var a = randn(100);
        manual_seed(42);
        using var b = randn(100);
        using var c = randn(100);
        Assert.Equal(a.ToArray<float>(), b.ToArray<float>());
        Assert.NotEqual(a.ToArray<float>(), c.ToArray<float>());
        var values = a.ToArray<float>();
        Assert.InRange(values.Average(), -0.5, 0.5);
    }

    [Fact]
    public void RandAndRandint_StayInRange()
    {
        using var r = rand(1000);
        using var i = randint(3, 7, [1000]);
        Assert.All(r.ToArray<float>(), v => Assert.InRange(v, 0f, 1f));
        var ints = i.ToArray<long>();
        Assert.All(ints, v => Assert.InRange(v, 3, 6));
        Assert.Equal(4, ints.Distinct().Count());
    }

    [Fact]
    public void CopyFrom_ThenCopyTo_RoundTripsAndConverts()
    {
        using var t = zeros(2, 2);
        t.CopyFrom<double>(new[] { 1.0, 2.0, 3.0, 4.0 });
        Span<long> asLong = stackalloc long[4];
        t.CopyTo(asLong);
        Assert.Equal(new long[] { 1, 2, 3, 4 }, asLong.ToArray());
        var e = Assert.Throws<TorchException>(() => t.CopyFrom<float>(new float[3]));
        Assert.Equal("copy_from", e.Op);
    }

    [Fact]
    public void Item_OfScalarTensor_ReturnsValueInRequestedType()
    {
        using var f = scalar_tensor(2.5);
        using var l = tensor(new long[] { 7 });
        using var b = tensor(new[] { true });
        Assert.Equal(2.5f, f.item<float>());
        Assert.Equal(2.5, f.item<double>());
        Assert.Equal((Half)2.5, f.item<Half>());
        Assert.Equal(7L, l.item<long>());
        Assert.Equal(7, l.item<int>());
        Assert.True(b.item<bool>());
        Assert.Throws<TorchException>(() => zeros(2).item<float>());
    }

    [Fact]
    public void CloneDetachContiguous_AreIndependentWhereExpected()
    {
        using var t = tensor(new float[] { 1, 2, 3, 4 }, [2, 2]);
        using var clone = t.clone();
        using var detached = t.detach();
        t.add_(1);
        Assert.Equal(new float[] { 1, 2, 3, 4 }, clone.ToArray<float>());
        Assert.Equal(new float[] { 2, 3, 4, 5 }, detached.ToArray<float>());
        using var tr = t.t();
        using var contiguous = tr.contiguous();
        Assert.Equal(new float[] { 2, 4, 3, 5 }, contiguous.ToArray<float>());
        t.zero_();
        Assert.Equal(new float[4], t.ToArray<float>());
    }

    [Fact]
    public void ToString_DescribesShapeDtypeDevice()
    {
        var t = zeros(2, 3);
        Assert.Equal("Tensor [2x3], type = Float32, device = cpu", t.ToString());
        t.Dispose();
        Assert.True(t.IsInvalid);
        Assert.Equal("Tensor (disposed)", t.ToString());
    }
}
