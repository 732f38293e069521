using System.Diagnostics;
using ActorCodistill.Workers.Data;
using ActorCodistill.Workers.Models;
using ActorCodistill.Workers.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ActorCodistill.Workers.Tests.Training;

/// <summary>
/// Training steps while the garbage collector runs without pause on another thread. TorchSharp frees an implicitly
/// converted <see cref="Scalar"/> (<c>a + b</c> passes alpha = 1, <c>t * 0.5</c> passes 0.5, optimizers pass their
/// betas) from the finalizer thread, and a collection that lands while libtorch still reads one makes libtorch read
/// freed memory: "Expected false to be true ... toFloat at c10/core/Scalar.h:140" (a clean-clone CI run lost a worker
/// to it at step 441), or silently another number. The product's step (forward, task loss with label smoothing,
/// distillation against two teachers, backward, each optimizer's step) passes only Scalars it holds; this runs it for
/// 1,000 steps per optimizer (at most 20 s) with a young-generation collection every few microseconds. Before the fix
/// each optimizer's case failed within a few hundred steps.
/// </summary>
[Trait("Category", "Unit")]
[Collection(TorchGeneratorCollection.Name)]
public class ScalarLifetimeTests
{
    private const int Steps = 1000;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData("adam")]
    [InlineData("adagrad")]
    [InlineData("sgd")]
    public void TrainingSteps_WhileTheCollectorRunsNonStop_NeverReadAFreedScalar(string optimizer)
    {
        var random = new Random(5);
        manual_seed(11);
        using var lm = new LstmLanguageModel(TinyLm.Spec);
        using var lmTeacherA = new LstmLanguageModel(TinyLm.Spec);
        using var lmTeacherB = new LstmLanguageModel(TinyLm.Spec);
        var ctrSpec = new CtrModelSpec(HashBuckets: 64, EmbeddingDim: 4, Hidden: [8]);
        using var ctr = new CtrModel(ctrSpec);
        using var ctrTeacher = new CtrModel(ctrSpec);
        var models = new (ITaskModel Student, ITaskModel[] Teachers, Func<object> Batch, DistillLoss Loss)[]
        {
            (lm, [lmTeacherA, lmTeacherB], () => TinyLm.RandomBatch(random, TinyLm.Spec, streams: 2, window: 4), DistillLoss.CrossEntropy),
            (ctr, [ctrTeacher, ctrTeacher], () => CtrBatchOf(random, 8), DistillLoss.KlDivergence),
        };
        var optimizers = models.Select(m => Optimizers.Create(new OptimizerSpec(optimizer, 0.01), m.Student.Module.parameters())).ToArray();

        using var stop = new CancellationTokenSource();
        var collections = 0L;
        var collector = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                // Young collections: the Scalars are young, and these stay fast however big the test process's heap is.
                GC.Collect(0, GCCollectionMode.Forced, blocking: true);
                GC.WaitForPendingFinalizers();
                Interlocked.Increment(ref collections);
            }
        }) { IsBackground = true, Name = "collector" };
        collector.Start();
        var steps = 0;
        try
        {
            var clock = Stopwatch.StartNew();
            while (steps < Steps && clock.Elapsed < Budget)
            {
                for (var m = 0; m < models.Length; m++)
                {
                    var (student, teachers, nextBatch, loss) = models[m];
                    var batch = nextBatch();
                    using var scope = NewDisposeScope();
                    Tensor target;
                    using (no_grad())
                        target = Distillation.TeacherTarget(teachers.Select(t => t.Forward(batch)).ToList(), loss, temperature: 2.0);
                    foreach (var t in teachers) t.DetachState();
                    var losses = TrainStep.ComputeGradients(student, batch, target, new DistillSpec(loss, 0.5, 2.0), labelSmoothing: 0.1);
                    Assert.True(double.IsFinite(losses.Loss), $"step {steps}: loss {losses.Loss}");
                    optimizers[m].step();
                }
                steps++;
            }
        }
        finally
        {
            stop.Cancel();
            collector.Join();
            foreach (var o in optimizers) o.Dispose();
        }
        // The test means something only if collections did land during the steps.
        Assert.True(steps >= 100, $"only {steps} steps ran");
        Assert.True(Interlocked.Read(ref collections) >= steps, $"only {collections} collections during {steps} steps");
    }

    private static CtrBatch CtrBatchOf(Random random, int n) => new(
        Enumerable.Range(0, n).Select(_ => (float)random.Next(2)).ToArray(),
        Enumerable.Range(0, n * CtrExample.DenseCount).Select(_ => (float)random.NextDouble()).ToArray(),
        Enumerable.Range(0, n * CtrExample.CategoricalCount).Select(_ => random.Next(1000)).ToArray(),
        n);
}
