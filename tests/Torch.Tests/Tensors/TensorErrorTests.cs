using static ActorCodistill.Torch.torch;

namespace ActorCodistill.Torch.Tests.Tensors;

[Trait("Category", "Unit")]
public class TensorErrorTests
{
    [Fact]
    public void Matmul_MismatchedShapes_ThrowsTorchExceptionWithLibtorchText()
    {
        using var a = zeros(2, 3);
        using var b = zeros(4, 5);
        var e = Assert.Throws<TorchException>(() => a.matmul(b));
        Assert.Equal("matmul", e.Op);
        Assert.StartsWith("torch op 'matmul' failed:", e.Message);
        // libtorch's own wording: "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)"
        Assert.Contains("2x3 and 4x5", e.NativeMessage);
    }

    [Fact]
    public void Ops_AfterAFailure_StillWork()
    {
        using var a = zeros(2, 3);
        using var b = zeros(4, 5);
        Assert.Throws<TorchException>(() => a + b);
        using var c = a + 1;
        Assert.Equal(6f, c.sum().item<float>());
    }

    [Fact]
    public void DisposedTensor_Use_ThrowsObjectDisposedNamingOp()
    {
        var a = ones(2);
        using var b = ones(2);
        a.Dispose();
        a.Dispose(); // idempotent
        var e = Assert.Throws<ObjectDisposedException>(() => a.relu());
        Assert.Contains("'relu'", e.Message);
        var e2 = Assert.Throws<ObjectDisposedException>(() => b.matmul(a));
        Assert.Contains("'matmul'", e2.Message);
        Assert.Throws<ObjectDisposedException>(() => a.shape);
    }

    [Fact]
    public void NullArgument_ThrowsArgumentNullNamingOp()
    {
        using var a = ones(2);
        var e = Assert.Throws<ArgumentNullException>(() => a.add((Tensor)null!));
        Assert.Contains("'add'", e.Message);
    }

    [Fact]
    public void LossOnBadShape_ThrowsNamingLoss()
    {
        using var scope = NewDisposeScope();
        var logits = zeros(2, 3);
        var target = tensor(new long[] { 0, 1, 2 });
        var e = Assert.Throws<TorchException>(() => nn.functional.cross_entropy(logits, target));
        Assert.Equal("cross_entropy", e.Op);
        var bad = tensor(new long[] { 0, 7 });
        Assert.Throws<TorchException>(() => nn.functional.cross_entropy(logits, bad));
    }

    [Fact]
    public void Backward_OnNonScalarWithoutGradient_ThrowsNamingBackward()
    {
        using var scope = NewDisposeScope();
        var x = ones([2], requires_grad: true);
        var y = x * 2;
        var e = Assert.Throws<TorchException>(() => y.backward());
        Assert.Equal("backward", e.Op);
    }
}
