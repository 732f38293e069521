using ActorCodistill.Workers.Data;
using ActorCodistill.Workers.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ActorCodistill.Samples.TransformerLm;

/// <summary>Sizes of the sample Transformer, from <c>tasks.transformer-lm.settings</c>.</summary>
public sealed record TransformerLmSpec(int VocabSize, int Window, int DModel, int Heads, int Layers, int FeedForward, double Dropout);

/// <summary>
/// A small causal Transformer language model written as a TorchSharp module: token and position embeddings, a stack
/// of self-attention layers with a causal mask, a linear output over the vocabulary. To the trainer it is an
/// <see cref="ITaskModel"/>: logits for a batch, the task loss, and predictions for churn. It carries no state from
/// batch to batch (each window is read on its own), so the carried-state members keep their defaults.
/// </summary>
public sealed class TransformerLm : ITaskModel
{
    private readonly TransformerLmSpec _spec;
    private readonly Net _net;
    private readonly Tensor _causalMask;

    public TransformerLm(TransformerLmSpec spec)
    {
        _spec = spec;
        _net = new Net(spec);
        // -inf above the diagonal: position t attends to positions <= t only.
        _causalMask = triu(full(spec.Window, spec.Window, float.NegativeInfinity), 1).DetachFromDisposeScope();
    }

    public nn.Module Module => _net;

    private sealed class Net : nn.Module<Tensor, Tensor, Tensor>
    {
        // RegisterComponents names submodules after their fields.
        private readonly Embedding tokens;
        private readonly Embedding positions;
        private readonly TransformerEncoder encoder;
        private readonly LayerNorm norm;
        private readonly Linear output;

        public Net(TransformerLmSpec spec) : base("transformer_lm")
        {
            tokens = nn.Embedding(spec.VocabSize, spec.DModel);
            positions = nn.Embedding(spec.Window, spec.DModel);
            encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(spec.DModel, spec.Heads, spec.FeedForward, spec.Dropout), spec.Layers);
            norm = nn.LayerNorm(spec.DModel);
            output = nn.Linear(spec.DModel, spec.VocabSize);
            RegisterComponents();
        }

        /// <summary>ids [N, T] -> logits [N, T, V].</summary>
        public override Tensor forward(Tensor ids, Tensor causalMask)
        {
            var t = ids.shape[1];
            // Plus, not +: TorchSharp's + passes alpha = 1 as a Scalar the finalizer may free mid-call (HeldScalars).
            var x = tokens.call(ids).Plus(positions.call(arange(t, dtype: ScalarType.Int64)));
            // TorchSharp's encoder reads [T, N, E].
            var h = encoder.call(x.transpose(0, 1), causalMask, null!).transpose(0, 1);
            return output.call(norm.call(h));
        }
    }

    private static LmBatch AsBatch(object batch) =>
        batch as LmBatch ?? throw new ArgumentException($"the Transformer language model takes LmBatch, got {batch.GetType().Name}");

    private static Tensor Ids(int[] values, int rows, int window) =>
        tensor(values.Select(v => (long)v).ToArray(), [rows, window], ScalarType.Int64);

    public Tensor Forward(object batch)
    {
        var b = AsBatch(batch);
        if (b.Window != _spec.Window)
            throw new ArgumentException($"batches of {b.Window} tokens, the model was built for training.bptt = {_spec.Window}");
        return _net.call(Ids(b.Inputs, b.BatchSize, b.Window), _causalMask).reshape(-1, _spec.VocabSize);
    }

    public Tensor TaskLoss(Tensor logits, object batch)
    {
        var b = AsBatch(batch);
        return nn.functional.cross_entropy(logits, Ids(b.Targets, b.BatchSize, b.Window).reshape(-1));
    }

    public Tensor? Mask(object batch) => null;
    public void DetachState() { }
    public void ResetState() { }

    public (float[] Top1OrProbability, float[] TrueLabelProbability) Predictions(Tensor logits, object batch)
    {
        var b = AsBatch(batch);
        return SoftmaxPredictions.Of(logits, i => b.Targets[i]);
    }

    public void Dispose()
    {
        _causalMask.Dispose();
        _net.Dispose();
    }
}
