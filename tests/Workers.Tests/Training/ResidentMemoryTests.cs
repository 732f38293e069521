using ActorCodistill.Workers.Data;
using ActorCodistill.Workers.Models;
using ActorCodistill.Workers.Training;
using static TorchSharp.torch;

namespace ActorCodistill.Workers.Tests.Training;

/// <summary>
/// The worker's step as the product runs it (TrainStep with a teacher target, gradients out to a flat buffer and back,
/// the optimizer step, a teacher prediction) must hold resident memory flat: every TorchSharp tensor it makes is
/// disposed by a scope or by hand, none waits for the GC's finalizer. Resident memory is process-wide, so the class
/// runs alone.
/// </summary>
[Trait("Category", "Unit")]
[Collection(TorchGeneratorCollection.Name)]
public class ResidentMemoryTests
{
    private static readonly LmModelSpec Spec = TinyLm.Spec;

    private static long ResidentBytes()
    {
        // /proc/self/statm: size resident shared ... in pages.
        var fields = File.ReadAllText("/proc/self/statm").Split(' ');
        return long.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture) * Environment.SystemPageSize;
    }

    [Fact]
    public void CodistillationSteps_4000InARow_KeepResidentMemoryFlat()
    {
        using var student = TinyLm.Seeded(Spec, 5);
        using var teachers = new TeacherSet(() => new LstmLanguageModel(Spec));
        using var optimizer = optim.Adam(student.Module.parameters(), 1e-3);
        var flat = new FlatParameters(student.Module);
        var weights = new Half[flat.Count];
        flat.ExportParametersHalf(weights);
        teachers.Load(new TeacherCheckpoint(1, 0, weights));
        var gradients = new float[flat.Count];
        var random = new Random(9);
        var batches = Enumerable.Range(0, 16).Select(_ => TinyLm.RandomBatch(random, Spec, 3, 5)).ToArray();
        var distill = DistillSpec.Default;
        var step = 0;
        void Step()
        {
            var batch = batches[step++ % batches.Length];
            using var target = teachers.Predict(batch, distill);
            TrainStep.ComputeGradients(student, batch, target, distill);
            flat.ExportGradients(gradients);
            flat.ImportGradients(gradients);
            optimizer.step();
        }
        // Warm up until libtorch's caches, malloc's heap and the GC's budget have settled, then require resident memory
        // to stay flat over at least one 1,000-step stretch of the last 2,000 of 4,000 steps. A leak grows by the same
        // amount in every stretch; the allocator's one-off moves do not (a clean-clone CI run once jumped 127 MiB at
        // step 2,500 and fell back to a flat +66 MiB for the rest: the heap's top, with other tests' settings
        // in the process).
        for (var i = 0; i < 1000; i++) Step();
        // Tensors this thread made and did not dispose. A forgotten tensor is freed by its finalizer sooner or later,
        // so resident memory alone would not show it; TorchSharp's per-thread count of live tensors does.
        var liveBefore = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var (nativeBefore, managedBefore) = Measure();
        var trace = new List<long>();
        var samples = new List<long>();
        for (var i = 1; i <= 4_000; i++)
        {
            Step();
            // A full collection every 500 steps keeps the GC's committed set stable, so the remaining resident
            // growth is native memory.
            if (i % 500 == 0)
            {
                var native = Measure().Native;
                trace.Add((native - nativeBefore) / 1024);
                if (i >= 2_000) samples.Add(native);
            }
        }
        var liveAfter = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var (_, managedAfter) = Measure();
        Assert.True(liveAfter - liveBefore <= 0,
            $"{liveAfter - liveBefore} more live tensors after 4,000 steps ({TorchSharp.DisposeScopeManager.Statistics}): a tensor made each step is never disposed");
        // 2 MiB: a leaked 15x40 logits tensor per step (2.4 KiB of data plus its TensorImpl and malloc header) grows by
        // over 2.5 MiB in every 1,000 steps; an undisposed wrapper that a finalizer frees later shows as managed growth.
        var flattest = Enumerable.Range(0, samples.Count - 2).Min(k => samples[k + 2] - samples[k]);
        Assert.True(flattest < 2 << 20,
            $"native resident memory grew by at least {flattest / 1024} KiB in every 1,000-step stretch of the last 2,000 of 4,000 steps (KiB since the start, every 500 steps: {string.Join(", ", trace)})");
        Assert.True(managedAfter - managedBefore < 1 << 20,
            $"live managed memory grew by {(managedAfter - managedBefore) / 1024} KiB over 4,000 steps");
    }

    /// <summary>Resident bytes minus the GC's committed bytes (native side), and live managed bytes.</summary>
    private static (long Native, long Managed) Measure()
    {
        var live = GC.GetTotalMemory(forceFullCollection: true);
        GC.WaitForPendingFinalizers();
        return (ResidentBytes() - GC.GetGCMemoryInfo().TotalCommittedBytes, live);
    }
}
