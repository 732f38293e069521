using TorchSharp;
using static TorchSharp.torch;

namespace ActorCodistill.Workers.Training;

/// <summary>
/// One replica of a task's model: a student that trains, or a stale teacher copy that only predicts.
/// Batches are the data layer's records (LmBatch, CtrBatch, ImageBatch); each model knows its own.
/// Recurrent models keep their hidden state inside the replica and carry it from batch to batch.
/// </summary>
public interface ITaskModel : IDisposable
{
    nn.Module Module { get; }

    /// <summary>Logits for the batch: [N, C] for classification (LM: N = streams x tokens) or [N] for a logistic output.</summary>
    Tensor Forward(object batch);

    /// <summary>The task loss phi(label, prediction), mean over examples.</summary>
    Tensor TaskLoss(Tensor logits, object batch);

    /// <summary>Mask of examples that count ([N], float 0/1), or null when all do.</summary>
    Tensor? Mask(object batch);

    /// <summary>Ends a truncated-backprop window: the carried state is kept, its history dropped.</summary>
    void DetachState();

    /// <summary>Drops the carried state (evaluation starts every stream from zeros).</summary>
    void ResetState();

    /// <summary>
    /// The state carried from batch to batch (a recurrent model's hidden state of every stream) as one float array, for
    /// recovery checkpoints; empty when the model carries none, or none yet.
    /// </summary>
    float[] ExportCarriedState() => [];

    /// <summary>
    /// The length of <see cref="ExportCarriedState"/> once the model has run batches of <paramref name="streams"/> rows
    /// (0 for a model that carries nothing): a restored state of another length came from another configuration.
    /// </summary>
    int CarriedStateLength(int streams) => 0;

    /// <summary>
    /// Replaces the carried state with one <see cref="ExportCarriedState"/> of a replica of the same architecture
    /// returned; empty drops it (as <see cref="ResetState"/>). A length this model cannot carry is an
    /// <see cref="ArgumentException"/> naming both.
    /// </summary>
    void ImportCarriedState(ReadOnlySpan<float> state)
    {
        if (state.Length != 0)
            throw new ArgumentException($"{GetType().Name} carries no state between batches; got {state.Length} values", nameof(state));
    }

    /// <summary>True when the model has one logistic output, so <see cref="Predictions"/> gives probabilities, not classes.</summary>
    bool BinaryOutput => false;

    /// <summary>Top-1 class (or probability for a logistic output) and the probability of the true label, for churn.</summary>
    (float[] Top1OrProbability, float[] TrueLabelProbability) Predictions(Tensor logits, object batch);
}
