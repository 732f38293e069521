using static ActorCodistill.Torch.torch;

namespace ActorCodistill.Torch.Tests.Memory;

[Trait("Category", "Unit")]
public class DisposeScopeTests
{
    [Fact]
    public void Dispose_DisposesTensorsCreatedInside_ExceptMovedOnes()
    {
        Tensor inner, kept, outside;
        using (var outer = NewDisposeScope())
        {
            using (var scope = NewDisposeScope())
            {
                Assert.Same(scope, DisposeScope.Current);
                inner = ones(2);
                kept = (inner * 2).MoveToOuterDisposeScope();
                Assert.Equal(1, scope.Count);
                Assert.Equal(1, outer.Count);
            }
            Assert.Same(outer, DisposeScope.Current);
            Assert.True(inner.IsInvalid);
            Assert.False(kept.IsInvalid);
            Assert.Equal(new float[] { 2, 2 }, kept.ToArray<float>());
            outside = zeros(1).DetachFromDisposeScope();
        }
        Assert.Null(DisposeScope.Current);
        Assert.True(kept.IsInvalid);
        Assert.False(outside.IsInvalid);
        outside.Dispose();
    }

    [Fact]
    public void MoveToOuter_FromOutermostScope_LeavesTensorToCaller()
    {
        Tensor t;
        using (var scope = NewDisposeScope())
        {
            t = ones(1);
            scope.MoveToOuter(t);
            Assert.Equal(0, scope.Count);
        }
        Assert.False(t.IsInvalid);
        t.Dispose();
    }

    [Fact]
    public void TensorDisposedEarly_LeavesScope()
    {
        using var scope = NewDisposeScope();
        var t = ones(1);
        Assert.Equal(1, scope.Count);
        t.Dispose();
        Assert.Equal(0, scope.Count);
    }

    [Fact]
    public void Grad_WrapperReadInScope_IsDisposedWithScope_ButGradSurvives()
    {
        var x = ones([2], requires_grad: true);
        using (NewDisposeScope())
        {
            (x * 3).sum().backward();
            Assert.Equal(new float[] { 3, 3 }, x.grad!.ToArray<float>());
        }
        using var g = x.grad!;
        Assert.Equal(new float[] { 3, 3 }, g.ToArray<float>());
        x.Dispose();
    }

    [Fact]
    public void TensorCreatedOnAnotherThread_IsNotCapturedByThisThreadsScope()
    {
        Tensor? fromOther = null;
        DisposeScope? otherCurrent = null;
        using (var scope = NewDisposeScope())
        {
            var thread = new Thread(() =>
            {
                otherCurrent = DisposeScope.Current;
                fromOther = ones(3);
            });
            thread.Start();
            thread.Join();
            Assert.Equal(0, scope.Count);
        }
        Assert.Null(otherCurrent);
        Assert.False(fromOther!.IsInvalid);
        fromOther.Dispose();
    }

    [Fact]
    public void Dispose_OnAnotherThread_ThrowsAndKeepsScopeUsable()
    {
        var scope = NewDisposeScope();
        var t = ones(1);
        Exception? error = null;
        var thread = new Thread(() => error = Record.Exception(scope.Dispose));
        thread.Start();
        thread.Join();
        Assert.IsType<InvalidOperationException>(error);
        Assert.False(t.IsInvalid);
        scope.Dispose();
        Assert.True(t.IsInvalid);
    }

    [Fact]
    public void Dispose_OuterBeforeInner_Throws()
    {
        var outer = NewDisposeScope();
        var inner = NewDisposeScope();
        Assert.Throws<InvalidOperationException>(outer.Dispose);
        inner.Dispose();
        outer.Dispose();
        Assert.Null(DisposeScope.Current);
    }

    [Fact]
    public void WorkerThreads_EachWithOwnScopes_RunConcurrently()
    {
        // Two model threads each train in per-step scopes; nothing leaks across them.
        var errors = new Exception?[2];
        var threads = Enumerable.Range(0, 2).Select(k => new Thread(() => errors[k] = Record.Exception(() =>
        {
            using var w = randn([4, 4], requires_grad: true);
            for (var step = 0; step < 200; step++)
            {
                using var scope = NewDisposeScope();
                var loss = w.matmul(ones(4, 1)).square().mean();
                loss.backward();
                Assert.True(scope.Count >= 3, $"scope holds {scope.Count} tensors");
            }
            Assert.Null(DisposeScope.Current);
        }))).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.All(errors, e => Assert.Null(e));
    }
}
