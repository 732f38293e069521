using ActorCodistill.Workers.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ActorCodistill.Workers.Tests.Training;

/// <summary>
/// <c>training.label-smoothing</c> (paper section 3.2's alternative): the training loss is the cross-entropy against
/// (1 - e) x the label + e x uniform, checked against independent formulations (PyTorch's own label smoothing in
/// cross_entropy, binary cross-entropy against smoothed targets), with the same gradients; e = 0 changes nothing.
/// </summary>
[Trait("Category", "Unit")]
public class LabelSmoothingTests
{
    [Theory]
    [InlineData(0.1)]
    [InlineData(0.3)]
    public void MultiClass_EqualsCrossEntropyWithTorchsLabelSmoothing_ValueAndGradient(double epsilon)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(7);
        var a = randn([6, 11], generator: generator).requires_grad_();
        var b = a.detach().clone().requires_grad_();
        var labels = tensor(new long[] { 0, 3, 10, 5, 5, 2 });

        var ours = TrainStep.SmoothedTaskLoss(nn.functional.cross_entropy(a, labels), a, epsilon);
        var torchs = nn.functional.cross_entropy(b, labels, label_smoothing: epsilon);
        ours.backward();
        torchs.backward();

        Assert.Equal(torchs.item<float>(), ours.item<float>(), 5);
        Assert.True(allclose(a.grad!, b.grad!, rtol: 1e-5, atol: 1e-6), "gradients differ");
    }

    [Fact]
    public void Binary_EqualsBinaryCrossEntropyAgainstSmoothedTargets()
    {
        using var scope = NewDisposeScope();
        const double epsilon = 0.2;
        var logits = tensor(new[] { 1.5f, -0.3f, 0.0f, 2.2f, -4.0f });
        var y = tensor(new[] { 1f, 0f, 1f, 0f, 1f });
        var ours = TrainStep.SmoothedTaskLoss(nn.functional.binary_cross_entropy_with_logits(logits, y), logits, epsilon);
        var smoothed = nn.functional.binary_cross_entropy_with_logits(logits, y * (1 - epsilon) + epsilon / 2);
        Assert.Equal(smoothed.item<float>(), ours.item<float>(), 5);
    }

    [Fact]
    public void Masked_SmoothsOnlyTheExamplesThatCount()
    {
        using var scope = NewDisposeScope();
        const double epsilon = 0.25;
        var logits = tensor(new[] { 0.1f, 2f, -1f, 3f, 0f, 0f }, [2, 3]);
        var mask = tensor(new[] { 1f, 0f });
        // The second example is masked out: only the first one's cross-entropy against uniform counts.
        var first = -logits[0].log_softmax(-1).mean().item<float>();
        var task = tensor(1.7f);
        var ours = TrainStep.SmoothedTaskLoss(task, logits, epsilon, mask);
        Assert.Equal((1 - epsilon) * 1.7 + epsilon * first, ours.item<float>(), 5);
    }

    [Fact]
    public void TheKey_IsReadValidatedAndOffByDefault()
    {
        var reference = JobSpecReader.Read(new ActorCodistill.Cluster.Configuration.SettingsReader(ActorCodistill.Cluster.Configuration.ConfigLoader.Load(null, new Dictionary<string, string?>())));
        Assert.Equal(0, reference.LabelSmoothing);
        var set = JobSpecReader.Read(new ActorCodistill.Cluster.Configuration.SettingsReader(ActorCodistill.Cluster.Configuration.ConfigLoader.Load(null,
            new Dictionary<string, string?> { ["training.label-smoothing"] = "0.1" })));
        Assert.Equal(0.1, set.LabelSmoothing);
        var e = Assert.Throws<ActorCodistill.Cluster.Configuration.ConfigException>(() => JobSpecReader.Read(new ActorCodistill.Cluster.Configuration.SettingsReader(
            ActorCodistill.Cluster.Configuration.ConfigLoader.Load(null, new Dictionary<string, string?> { ["training.label-smoothing"] = "1" }))));
        Assert.Contains("training.label-smoothing", e.Message);
    }

    /// <summary>A linear classifier over fixed inputs: enough to run a training step.</summary>
    private sealed class Linear3 : ITaskModel
    {
        public sealed record Batch(float[] X, long[] Labels);

        private readonly nn.Module<Tensor, Tensor> _linear = nn.Linear(2, 3);
        public nn.Module Module => _linear;
        public Tensor Forward(object batch) => _linear.call(tensor(((Batch)batch).X, [((Batch)batch).Labels.Length, 2]));
        public Tensor TaskLoss(Tensor logits, object batch) => nn.functional.cross_entropy(logits, tensor(((Batch)batch).Labels));
        public Tensor? Mask(object batch) => null;
        public void DetachState() { }
        public void ResetState() { }
        public (float[] Top1OrProbability, float[] TrueLabelProbability) Predictions(Tensor logits, object batch) => ([], []);
        public void Dispose() => _linear.Dispose();
    }

    [Fact]
    public void WithATeacher_TheStepTrainsOnTheSmoothedLossPlusTheDistillationTerm()
    {
        using var scope = NewDisposeScope();
        using var model = new Linear3();
        var batch = new Linear3.Batch([0.5f, -1f, 2f, 0.3f, -0.7f, 1.1f], [2, 0, 1]);
        var teacher = tensor(new[] { 0.2f, 0.3f, 0.5f, 0.6f, 0.2f, 0.2f, 0.1f, 0.8f, 0.1f }, [3, 3]);
        const double epsilon = 0.2, weight = 0.7;
        var losses = TrainStep.ComputeGradients(model, batch, teacher, new DistillSpec(DistillLoss.CrossEntropy, weight, 1.0), epsilon);

        using var noGrad = no_grad();
        var logits = model.Forward(batch);
        var task = model.TaskLoss(logits, batch);
        var expected = TrainStep.SmoothedTaskLoss(task, logits, epsilon).item<float>() +
                       weight * Distillation.Psi(logits, teacher, DistillLoss.CrossEntropy, 1.0).item<float>();
        Assert.Equal(expected, losses.Loss, 5);
        Assert.Equal(task.item<float>(), losses.TaskLoss, 5);
    }
}
