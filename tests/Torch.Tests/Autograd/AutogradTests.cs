using static ActorCodistill.Torch.torch;

namespace ActorCodistill.Torch.Tests.Autograd;

[Trait("Category", "Unit")]
public class AutogradTests
{
    [Fact]
    public void Backward_SumOfSquares_GivesTwiceInput()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { 1, -2, 3 }, requires_grad: true);
        Assert.Null(x.grad);
        var y = (x * x).sum();
        Assert.True(y.requires_grad);
        Assert.False(y.is_leaf);
        y.backward();
        Assert.Equal(new float[] { 2, -4, 6 }, x.grad!.ToArray<float>());
    }

    [Fact]
    public void Backward_Twice_AccumulatesUntilGradCleared()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { 1, 2 }, requires_grad: true);
        (x * 3).sum().backward();
        (x * 3).sum().backward();
        Assert.Equal(new float[] { 6, 6 }, x.grad!.ToArray<float>());
        x.grad!.zero_();
        Assert.Equal(new float[] { 0, 0 }, x.grad!.ToArray<float>());
        x.grad = null;
        Assert.Null(x.grad);
    }

    [Fact]
    public void Backward_WithExplicitGradient_WeightsOutputs()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { 1, 2 }, requires_grad: true);
        var y = x * x;
        y.backward(tensor(new float[] { 1, 10 }));
        Assert.Equal(new float[] { 2, 40 }, x.grad!.ToArray<float>());
    }

    [Fact]
    public void NoGrad_DisablesRecording_AndRestoresOnDispose()
    {
        using var scope = NewDisposeScope();
        var x = ones([2], requires_grad: true);
        Assert.True(is_grad_enabled());
        using (no_grad())
        {
            Assert.False(is_grad_enabled());
            var y = x * 2;
            Assert.False(y.requires_grad);
            using (enable_grad())
            {
                Assert.True((x * 2).requires_grad);
            }
            Assert.False(is_grad_enabled());
        }
        Assert.True(is_grad_enabled());
        Assert.True((x * 2).requires_grad);
    }

    [Fact]
    public void NoGrad_IsThreadLocal_OtherThreadStillRecords()
    {
        using var guard = no_grad();
        var otherThreadEnabled = false;
        var thread = new Thread(() => otherThreadEnabled = is_grad_enabled());
        thread.Start();
        thread.Join();
        Assert.True(otherThreadEnabled);
        Assert.False(is_grad_enabled());
    }

    [Fact]
    public void NoGrad_DisposedOnAnotherThread_Throws()
    {
        var guard = no_grad();
        Exception? error = null;
        var thread = new Thread(() => error = Record.Exception(guard.Dispose));
        thread.Start();
        thread.Join();
        Assert.IsType<InvalidOperationException>(error);
        Assert.Contains("thread-local", error!.Message);
        guard.Dispose();
        Assert.True(is_grad_enabled());
    }

    [Fact]
    public void RequiresGrad_SetOnLeaf_AndDetachCutsGraph()
    {
        using var scope = NewDisposeScope();
        var x = zeros(2);
        Assert.False(x.requires_grad);
        x.requires_grad = true;
        Assert.True(x.requires_grad);
        var d = (x + 1).detach();
        Assert.False(d.requires_grad);
        Assert.True(d.is_leaf);
    }

    [Fact]
    public void GradCheck_Matmul()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        var a = randn([3, 4], ScalarType.Float64, requires_grad: true);
        var b = randn([4, 2], ScalarType.Float64, requires_grad: true);
        GradCheck.Check(x => x[0].matmul(x[1]), [a, b]);
    }

    [Fact]
    public void GradCheck_SoftmaxAndLogSoftmax()
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        var x = randn([3, 5], ScalarType.Float64, requires_grad: true);
        GradCheck.Check(i => i[0].softmax(1), [x]);
        GradCheck.Check(i => i[0].log_softmax(0), [x]);
    }

    [Fact]
    public void GradCheck_ElementwiseChain()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var x = randn([2, 3], ScalarType.Float64, requires_grad: true);
        var y = randn([3], ScalarType.Float64, requires_grad: true);
        GradCheck.Check(i => (i[0].tanh() * i[1]).sigmoid() / (i[1].exp() + 1) - i[0].mean([0], keepdim: true), [x, y]);
    }

    [Fact]
    public void GradCheck_DetectsAWrongGradient()
    {
        // The checker itself must be able to fail: detach hides x from autograd in one term, so the
        // analytic gradient misses 2x while the numeric one sees it.
        using var scope = NewDisposeScope();
        var x = tensor(new[] { 1.0, 2.0 }, requires_grad: true);
        var error = GradCheck.MaxError(i => i[0] * i[0].detach() + i[0], [x]);
        Assert.True(error > 0.5, $"expected a large error, got {error}");
    }
}
