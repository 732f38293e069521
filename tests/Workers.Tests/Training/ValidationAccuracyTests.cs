using ActorCodistill.Workers.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ActorCodistill.Workers.Tests.Training;

/// <summary>
/// Validation accuracy (issue 18: "steps to the baseline's best validation loss and accuracy"): top-1 from the task's
/// own <see cref="ITaskModel.Predictions"/>, so any task gets it; checked on models whose logits and labels are fixed.
/// </summary>
[Trait("Category", "Unit")]
public class ValidationAccuracyTests
{
    /// <summary>A "model" that returns the batch's logits; the batch carries its labels.</summary>
    private sealed class Fixed(bool binary) : ITaskModel
    {
        public sealed record Batch(float[] Logits, long[] Shape, long[] Labels);

        public nn.Module Module { get; } = nn.Linear(1, 1);
        public bool BinaryOutput => binary;
        public Tensor Forward(object batch) => tensor(((Batch)batch).Logits, ((Batch)batch).Shape);

        public Tensor TaskLoss(Tensor logits, object batch) => binary
            ? nn.functional.binary_cross_entropy_with_logits(logits, tensor(((Batch)batch).Labels.Select(l => (float)l).ToArray()))
            : nn.functional.cross_entropy(logits, tensor(((Batch)batch).Labels));

        public Tensor? Mask(object batch) => null;
        public void DetachState() { }
        public void ResetState() { }

        public (float[] Top1OrProbability, float[] TrueLabelProbability) Predictions(Tensor logits, object batch)
        {
            var labels = ((Batch)batch).Labels;
            if (binary)
            {
                var p = logits.sigmoid().data<float>().ToArray();
                return (p, p.Select((v, i) => labels[i] == 1 ? v : 1 - v).ToArray());
            }
            var probabilities = logits.softmax(-1);
            var top = probabilities.argmax(-1).data<long>().Select(v => (float)v).ToArray();
            var truth = labels.Select((l, i) => probabilities[i, l].item<float>()).ToArray();
            return (top, truth);
        }

        public void Dispose() => Module.Dispose();
    }

    [Fact]
    public void MultiClass_CountsTheExamplesWhoseLabelHasTheLargestProbability_OverEveryBatch()
    {
        using var model = new Fixed(binary: false);
        // Batch 1: rows 0 and 2 right (label 1, label 0), row 1 wrong (label 2 but class 0 wins).
        // Batch 2: a tie between the label and another class counts as right; the other row is wrong.
        var batches = new object[]
        {
            new Fixed.Batch([0f, 3f, 1f, 5f, 1f, 2f, 4f, 0f, 0f], [3, 3], [1, 2, 0]),
            new Fixed.Batch([2f, 2f, 0f, 0f, 1f, 0f], [2, 3], [1, 0]),
        };
        var result = TrainStep.Validate(model, batches);
        Assert.Equal(3.0 / 5, result.Accuracy, 6);
        Assert.True(double.IsFinite(result.Loss) && result.Loss > 0);
        Assert.Equal(result.Loss, TrainStep.Evaluate(model, batches), 6);
    }

    [Fact]
    public void Binary_IsRightWhenTheTrueLabelHasProbabilityAtLeastAHalf()
    {
        using var model = new Fixed(binary: true);
        var batches = new object[] { new Fixed.Batch([2f, -1f, 0.5f, -3f], [4], [1, 1, 0, 0]) };
        // p = 0.88 (label 1: right), 0.27 (label 1: wrong), 0.62 (label 0: wrong), 0.05 (label 0: right).
        Assert.Equal(0.5, TrainStep.Validate(model, batches).Accuracy, 6);
    }

    [Fact]
    public void NoExamples_GiveNaN_NotAZero()
    {
        using var model = new Fixed(binary: false);
        var result = TrainStep.Validate(model, []);
        Assert.True(double.IsNaN(result.Loss));
        Assert.True(double.IsNaN(result.Accuracy));
    }
}
