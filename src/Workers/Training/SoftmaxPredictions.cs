using static TorchSharp.torch;

namespace ActorCodistill.Workers.Training;

/// <summary>What <see cref="ITaskModel.Predictions"/> returns for a softmax classifier, for any model to use.</summary>
public static class SoftmaxPredictions
{
    /// <summary>
    /// For logits [N, C]: each row's top-1 class and the probability of its true class, <paramref name="target"/>(row).
    /// </summary>
    public static (float[] Top1, float[] TrueLabelProbability) Of(Tensor logits, Func<int, long> target)
    {
        using var scope = NewDisposeScope();
        var rows = (int)logits.shape[0];
        var classes = (int)logits.shape[1];
        var probs = logits.softmax(-1).data<float>().ToArray();
        var top1 = new float[rows];
        var truth = new float[rows];
        for (var i = 0; i < rows; i++)
        {
            var row = probs.AsSpan(i * classes, classes);
            top1[i] = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(row);
            truth[i] = row[(int)target(i)];
        }
        return (top1, truth);
    }
}
