using ActorCodistill.Workers.Data;
using ActorCodistill.Workers.Models;
using ActorCodistill.Workers.Training;
using static TorchSharp.torch;

namespace ActorCodistill.Workers.Tests.Training;

/// <summary>
/// Teacher replicas in bfloat16 (training.teacher-precision): from the same float16 copy, their aggregated
/// prediction stays close to a float32 replica's over a stream of batches (the carried LSTM state included), and a
/// bfloat16 replica's carried state survives a checkpoint (export as float32, import) bit for bit.
/// </summary>
[Trait("Category", "Unit")]
[Collection(TorchGeneratorCollection.Name)]
public class TeacherPrecisionTests
{
    private static readonly LmModelSpec Spec = TinyLm.Spec;

    private static TeacherCheckpoint CopyOfSeeded(long seed)
    {
        using var source = TinyLm.Seeded(Spec, seed);
        var flat = new FlatParameters(source.Module);
        var weights = new Half[flat.Count];
        flat.ExportParametersHalf(weights);
        return new TeacherCheckpoint(1, 7, weights);
    }

    private static float[] Predict(TeacherSet teachers, object batch)
    {
        using var target = teachers.Predict(batch, DistillSpec.Default)!;
        Assert.Equal(ScalarType.Float32, target.dtype);
        return target.data<float>().ToArray();
    }

    [Fact]
    public void BFloat16Replica_PredictsWithin2e2OfFloat32_OverAStreamOfBatches()
    {
        var copy = CopyOfSeeded(31);
        using var f32 = new TeacherSet(() => new LstmLanguageModel(Spec), TeacherPrecision.Float32);
        using var bf16 = new TeacherSet(() => new LstmLanguageModel(Spec), TeacherPrecision.BFloat16);
        f32.Load(copy);
        bf16.Load(copy);
        var random = new Random(4);
        double worst = 0;
        var differs = false;
        for (var i = 0; i < 6; i++)
        {
            var batch = TinyLm.RandomBatch(random, Spec, 3, 5);
            var a = Predict(f32, batch);
            var b = Predict(bf16, batch);
            for (var k = 0; k < a.Length; k++)
            {
                worst = Math.Max(worst, Math.Abs(a[k] - b[k]));
                differs |= a[k] != b[k];
            }
        }
        Assert.True(differs, "the bfloat16 replica gave float32's bits: it did not compute in bfloat16");
        Assert.True(worst < 2e-2, $"bfloat16 teacher probabilities differ from float32's by up to {worst}");
    }

    [Fact]
    public void BFloat16Replica_CarriedStateThroughACheckpoint_GivesTheSameNextPrediction()
    {
        var copy = CopyOfSeeded(32);
        using var original = new TeacherSet(() => new LstmLanguageModel(Spec), TeacherPrecision.BFloat16);
        using var restored = new TeacherSet(() => new LstmLanguageModel(Spec), TeacherPrecision.BFloat16);
        original.Load(copy);
        var random = new Random(5);
        for (var i = 0; i < 3; i++) Predict(original, TinyLm.RandomBatch(random, Spec, 3, 5));

        var carried = original.ExportCarried();
        Assert.NotEmpty(carried[1].Carried);
        Assert.Null(restored.Restore(carried, [copy], carried[1].Carried.Length));

        var next = TinyLm.RandomBatch(random, Spec, 3, 5);
        Assert.Equal(Predict(original, next), Predict(restored, next));
    }
    // The CNN and the CTR model take float inputs (images, dense features): a bfloat16 replica must take them in
    // bfloat16 (they failed with "Input type (float) and bias type (c10::BFloat16)" until 2026-12-07, so codistillation
    // of fashion-cnn and ctr with teacher-precision auto stopped at the first step after burn-in on a bfloat16 CPU).
    [Fact]
    public void BFloat16Replicas_OfTheModelsWithFloatInputs_PredictCloseToFloat32()
    {
        var random = new Random(9);
        var images = new ImageBatch(Enumerable.Range(0, 3 * 28 * 28).Select(_ => (float)random.NextDouble()).ToArray(), [1, 2, 3], 3, 1, 28, 28);
        AssertClose(() => new FashionCnn(), images, 5e-2);
        var ctrSpec = new CtrModelSpec(1000, 4, [8]);
        var ctr = new CtrBatch([0, 1], Enumerable.Range(0, 2 * CtrExample.DenseCount).Select(_ => (float)random.NextDouble()).ToArray(),
            Enumerable.Range(0, 2 * CtrExample.CategoricalCount).Select(i => i * 37).ToArray(), 2);
        AssertClose(() => new CtrModel(ctrSpec), ctr, 5e-2);
    }

    private static void AssertClose(Func<ITaskModel> create, object batch, double tolerance)
    {
        manual_seed(5);
        TeacherCheckpoint copy;
        using (var source = create())
        {
            var flat = new FlatParameters(source.Module);
            var weights = new Half[flat.Count];
            flat.ExportParametersHalf(weights);
            copy = new TeacherCheckpoint(1, 7, weights);
        }
        using var f32 = new TeacherSet(create, TeacherPrecision.Float32);
        using var bf16 = new TeacherSet(create, TeacherPrecision.BFloat16);
        f32.Load(copy);
        bf16.Load(copy);
        var a = Predict(f32, batch);
        var b = Predict(bf16, batch);
        Assert.Equal(a.Length, b.Length);
        var worst = a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
        Assert.True(worst < tolerance, $"{create().GetType().Name}: bfloat16 teacher predictions differ from float32's by up to {worst}");
    }
}

