using ActorCodistill.Torch;
using ActorCodistill.Workers.Data;
using ActorCodistill.Workers.Models;
using ActorCodistill.Workers.Training;
using static ActorCodistill.Torch.torch;

namespace ActorCodistill.Workers.Tests.Training;

/// <summary>
/// TrainStep takes the fused task + psi op for models with class targets; these tests pin it to the unfused path
/// (TaskLoss + Distillation.Psi, written out here) on an LSTM language model, step for step.
/// </summary>
/// <summary>
/// These tests seed libtorch's global generator and draw from it (model initialisation, randn); run alone so no
/// concurrently running class draws between a seed and its use, and so theirs are not disturbed either.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TrainStepFusedLossCollection
{
    public const string Name = "TrainStepFusedLossTests (global torch generator)";
}

[Trait("Category", "Unit")]
[Collection(TrainStepFusedLossCollection.Name)]
public class TrainStepFusedLossTests
{
    private static readonly LmModelSpec Spec = new(VocabSize: 45, Embedding: 8, Hidden: 16, Layers: 2, LayerNorm: true, Dropout: 0.0);
    private const int Streams = 3;
    private const int Window = 5;

    private static LstmLanguageModel Seeded() => TinyLm.Seeded(Spec, 17);

    private static LmBatch RandomBatch(Random random) => TinyLm.RandomBatch(random, Spec, Streams, Window);

    /// <summary>The step as it was before the fused op: task loss, psi, weighted sum, backward.</summary>
    private static StepLosses UnfusedStep(ITaskModel student, object batch, Tensor? teacherTarget, DistillSpec distill)
    {
        using var scope = NewDisposeScope();
        student.Module.zero_grad();
        var logits = student.Forward(batch);
        var task = student.TaskLoss(logits, batch);
        var loss = task;
        double distillValue = 0;
        if (teacherTarget is not null && distill.Weight != 0)
        {
            var psi = Distillation.Psi(logits, teacherTarget, distill.Loss, distill.Temperature, student.Mask(batch));
            distillValue = psi.item<float>();
            loss = task + psi * distill.Weight;
        }
        loss.backward();
        student.DetachState();
        return new StepLosses(loss.item<float>(), task.item<float>(), distillValue, (int)logits.shape[0]);
    }

    private static float[] Gradients(ITaskModel model)
    {
        var flat = new FlatParameters(model.Module);
        var g = new float[flat.Count];
        flat.ExportGradients(g);
        return g;
    }

    private static void AssertClose(double expected, double actual, string what)
    {
        var error = Math.Abs(actual - expected) / Math.Max(Math.Abs(expected), 1e-6);
        Assert.True(error <= 1e-5, $"{what}: fused {actual:R} vs unfused {expected:R}");
    }

    [Theory]
    [InlineData(DistillLoss.CrossEntropy, 1.0, 1.0, true)]
    [InlineData(DistillLoss.CrossEntropy, 2.5, 0.5, true)]
    [InlineData(DistillLoss.KlDivergence, 2.5, 1.0, true)]
    [InlineData(DistillLoss.CrossEntropy, 1.0, 1.0, false)]
    [InlineData(DistillLoss.SquaredError, 1.0, 0.3, true)]
    public void ComputeGradients_LstmWithClassTargets_MatchesUnfusedLossesAndGradients(DistillLoss kind, double temperature, double weight, bool withTeacher)
    {
        using var fused = Seeded();
        using var unfused = Seeded();
        var distill = new DistillSpec(kind, weight, temperature);
        var random = new Random(5);
        // Two steps so the carried LSTM state (and its detach) is part of the comparison.
        for (var step = 0; step < 2; step++)
        {
            using var scope = NewDisposeScope();
            var batch = RandomBatch(random);
            var rows = Streams * Window;
            Tensor? target = null;
            if (withTeacher)
            {
                var teacherLogits = randn(rows, Spec.VocabSize) * 2.0;
                target = Distillation.TeacherTarget([teacherLogits], kind, temperature);
            }

            var expected = UnfusedStep(unfused, batch, target, distill);
            var actual = TrainStep.ComputeGradients(fused, batch, target, distill);

            AssertClose(expected.TaskLoss, actual.TaskLoss, $"step {step} task");
            AssertClose(expected.DistillLoss, actual.DistillLoss, $"step {step} psi");
            AssertClose(expected.Loss, actual.Loss, $"step {step} loss");
            Assert.Equal(expected.Examples, actual.Examples);
            if (withTeacher) Assert.NotEqual(0.0, actual.DistillLoss);

            var g = Gradients(fused);
            var e = Gradients(unfused);
            var scale = e.Max(Math.Abs);
            Assert.True(scale > 0);
            for (var i = 0; i < e.Length; i++)
                Assert.True(Math.Abs(g[i] - e[i]) <= 1e-5 * scale, $"step {step} gradient {i}: fused {g[i]} vs unfused {e[i]} (scale {scale})");
        }
    }

    [Fact]
    public void ClassTargets_Lstm_AreTheTargetTokensRowMajor()
    {
        using var model = Seeded();
        using var scope = NewDisposeScope();
        var batch = RandomBatch(new Random(9));
        var targets = model.ClassTargets(batch);
        Assert.Equal(ScalarType.Int64, targets.dtype);
        Assert.Equal(batch.Targets.Select(v => (long)v).ToArray(), targets.ToArray<long>());
    }

    [Fact]
    public void ClassTargets_FashionCnn_AreTheLabelsAndTheTaskLossIsTheirCrossEntropy()
    {
        using var model = new FashionCnn();
        using var scope = NewDisposeScope();
        var random = new Random(4);
        var batch = new ImageBatch(Enumerable.Range(0, 2 * 28 * 28).Select(_ => (float)random.NextDouble()).ToArray(), [3, 7], 2, 1, 28, 28);
        var targets = model.ClassTargets(batch);
        Assert.Equal(new long[] { 3, 7 }, targets.ToArray<long>());
        var logits = model.Forward(batch);
        Assert.Equal(nn.functional.cross_entropy(logits, targets).item<float>(), model.TaskLoss(logits, batch).item<float>());
    }

    [Theory]
    [InlineData(DistillLoss.CrossEntropy, 1.0, false)]
    [InlineData(DistillLoss.KlDivergence, 2.5, true)]
    public void CodistillCrossEntropy_AgainstDistillationPsi_SameValuesAndGradients(DistillLoss kind, double temperature, bool masked)
    {
        using var scope = NewDisposeScope();
        manual_seed(23);
        const int n = 20, c = 31;
        var z = (randn(n, c) * 3.0).requires_grad_();
        var t = randint(0, c, [n]);
        var q = Distillation.TeacherTarget([randn(n, c) * 2.0, randn(n, c)], kind, temperature);
        var mask = masked ? tensor(Enumerable.Range(0, n).Select(i => i % 4 == 0 ? 0f : 1f).ToArray()) : null;

        var task = nn.functional.cross_entropy(z, t);
        var psi = Distillation.Psi(z, q, kind, temperature, mask);
        (task + psi * 0.8).backward();
        var expected = z.grad!.ToArray<float>();
        z.grad = null;

        var (fusedTask, fusedPsi) = nn.functional.codistill_cross_entropy(z, t, q, temperature, kind == DistillLoss.KlDivergence, mask);
        (fusedTask + fusedPsi * 0.8).backward();
        var actual = z.grad!.ToArray<float>();

        AssertClose(task.item<float>(), fusedTask.item<float>(), "task");
        AssertClose(psi.item<float>(), fusedPsi.item<float>(), "psi");
        var scale = expected.Max(Math.Abs);
        for (var i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-5 * scale, $"gradient {i}: fused {actual[i]} vs unfused {expected[i]}");
    }

    [Fact]
    public void TeacherTarget_OneTeacher_IsItsDistributionWithoutAveraging()
    {
        using var scope = NewDisposeScope();
        var logits = tensor(new[] { 1f, 2f, 0f, -1f, 0.5f, 3f }, [2, 3]);
        var target = Distillation.TeacherTarget([logits], DistillLoss.CrossEntropy, 2.0).ToArray<float>();
        var expected = (logits / 2.0).softmax(-1).ToArray<float>();
        Assert.Equal(expected, target);
        Assert.Same(logits, Distillation.TeacherTarget([logits], DistillLoss.SquaredError, 1.0));
    }
}
