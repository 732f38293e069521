using ActorCodistill.Workers.Data;
using ActorCodistill.Workers.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ActorCodistill.Workers.Models;

/// <summary>
/// The paper's language model (section 3.1): token embedding, stacked LSTM layers each followed by
/// layer normalisation of its output, and a linear output over the word-piece vocabulary. Layer norm
/// is applied between layers rather than inside the LSTM cell, so each layer is one call of libtorch's LSTM
/// (a per-timestep cell in managed code would cost 32 native calls per layer per batch).
/// The hidden state of every stream is carried across batches and never reset during training; the
/// end-of-document token teaches the model to reset itself.
/// </summary>
public sealed class LstmLanguageModel : ITaskModel
{
    private readonly LmModelSpec _spec;
    private readonly Net _net;
    private Tensor?[] _h;
    private Tensor?[] _c;

    public LstmLanguageModel(LmModelSpec spec)
    {
        _spec = spec;
        _net = new Net(spec);
        _h = new Tensor?[spec.Layers];
        _c = new Tensor?[spec.Layers];
    }

    public nn.Module Module => _net;

    private sealed class Net : nn.Module
    {
        public readonly nn.Module<Tensor, Tensor> Embedding;
        public readonly LSTM[] Lstm;
        public readonly nn.Module<Tensor, Tensor>?[] Norm;
        public readonly nn.Module<Tensor, Tensor> Dropout;
        public readonly nn.Module<Tensor, Tensor> Output;

        public Net(LmModelSpec spec) : base("lstm_lm")
        {
            Embedding = nn.Embedding(spec.VocabSize, spec.Embedding);
            register_module("embedding", Embedding);
            Lstm = new LSTM[spec.Layers];
            Norm = new nn.Module<Tensor, Tensor>?[spec.Layers];
            for (var l = 0; l < spec.Layers; l++)
            {
                Lstm[l] = nn.LSTM(l == 0 ? spec.Embedding : spec.Hidden, spec.Hidden, numLayers: 1, batchFirst: true);
                register_module($"lstm{l}", Lstm[l]);
                if (spec.LayerNorm)
                {
                    Norm[l] = nn.LayerNorm([spec.Hidden]);
                    register_module($"norm{l}", Norm[l]!);
                }
            }
            Dropout = nn.Dropout(spec.Dropout);
            register_module("dropout", Dropout);
            Output = nn.Linear(spec.Hidden, spec.VocabSize);
            register_module("output", Output);
        }
    }

    private static LmBatch AsBatch(object batch) =>
        batch as LmBatch ?? throw new ArgumentException($"the LSTM language model takes LmBatch, got {batch.GetType().Name}");

    internal static Tensor Ids(int[] values, int batchSize, int window)
    {
        var ids = new long[values.Length];
        for (var i = 0; i < ids.Length; i++) ids[i] = values[i];
        return tensor(ids, [batchSize, window], ScalarType.Int64);
    }

    public Tensor Forward(object batch)
    {
        var b = AsBatch(batch);
        var x = _net.Embedding.call(Ids(b.Inputs, b.BatchSize, b.Window));
        for (var l = 0; l < _spec.Layers; l++)
        {
            var state = _h[l] is null ? ((Tensor, Tensor)?)null : (_h[l]!, _c[l]!);
            var (output, hn, cn) = _net.Lstm[l].call(x, state);
            Carry(l, hn, cn);
            x = _net.Norm[l] is { } norm ? norm.call(output) : output;
            x = _net.Dropout.call(x);
        }
        return _net.Output.call(x).reshape(-1, _spec.VocabSize);
    }

    // The new state outlives the step's dispose scope; the old one stays alive inside the autograd graph
    // as long as backward needs it (libtorch holds its own reference), so the handle can go now.
    private void Carry(int layer, Tensor hn, Tensor cn)
    {
        hn.DetachFromDisposeScope();
        cn.DetachFromDisposeScope();
        _h[layer]?.Dispose();
        _c[layer]?.Dispose();
        _h[layer] = hn;
        _c[layer] = cn;
    }

    public Tensor TaskLoss(Tensor logits, object batch) => nn.functional.cross_entropy(logits, Targets(batch));

    /// <summary>The next token of every position, row-major like the logits (stream, then time).</summary>
    private static Tensor Targets(object batch)
    {
        var b = AsBatch(batch);
        return Ids(b.Targets, b.BatchSize, b.Window).reshape(-1);
    }

    public Tensor? Mask(object batch) => null;

    public void DetachState()
    {
        for (var l = 0; l < _spec.Layers; l++)
        {
            if (_h[l] is null) continue;
            var h = _h[l]!.detach();
            var c = _c[l]!.detach();
            Carry(l, h, c);
        }
    }

    public void ResetState()
    {
        for (var l = 0; l < _spec.Layers; l++)
        {
            _h[l]?.Dispose();
            _c[l]?.Dispose();
            _h[l] = null;
            _c[l] = null;
        }
    }

    /// <summary>
    /// Every layer's h then c, each [1, streams, hidden], concatenated; empty before the first batch. The streams are
    /// not stored: an import infers them from the length.
    /// </summary>
    public float[] ExportCarriedState()
    {
        if (_h[0] is null) return [];
        var parts = new List<float[]>(2 * _spec.Layers);
        for (var l = 0; l < _spec.Layers; l++)
        {
            parts.Add(Floats(_h[l]!));
            parts.Add(Floats(_c[l]!));
        }
        var state = new float[parts.Sum(p => p.Length)];
        var at = 0;
        foreach (var part in parts)
        {
            part.CopyTo(state, at);
            at += part.Length;
        }
        return state;
    }

    // A bfloat16 teacher replica carries bfloat16 state; checkpoints keep float32 (exact for bfloat16 values).
    private static float[] Floats(Tensor t)
    {
        if (t.dtype == ScalarType.Float32) return t.data<float>().ToArray();
        using var widened = t.to(ScalarType.Float32);
        return widened.data<float>().ToArray();
    }

    public int CarriedStateLength(int streams) => 2 * _spec.Layers * _spec.Hidden * streams;

    public void ImportCarriedState(ReadOnlySpan<float> state)
    {
        if (state.Length == 0)
        {
            ResetState();
            return;
        }
        var perStream = 2L * _spec.Layers * _spec.Hidden;
        if (state.Length % perStream != 0)
            throw new ArgumentException(
                $"a carried state of {state.Length} values does not fit this LSTM ({_spec.Layers} layers of hidden size {_spec.Hidden}: a multiple of {perStream})",
                nameof(state));
        var streams = state.Length / perStream;
        var block = (int)(streams * _spec.Hidden);
        ResetState();
        var dtype = _net.Output.parameters().First().dtype;
        for (var l = 0; l < _spec.Layers; l++)
        {
            // Outlives any dispose scope the caller is in, like the state a forward carries.
            _h[l] = State(state.Slice(2 * l * block, block), streams, dtype);
            _c[l] = State(state.Slice((2 * l + 1) * block, block), streams, dtype);
        }
    }

    private Tensor State(ReadOnlySpan<float> values, long streams, ScalarType dtype)
    {
        var t = tensor(values.ToArray(), [1, streams, _spec.Hidden]);
        if (dtype != ScalarType.Float32)
        {
            var converted = t.to(dtype);
            t.Dispose();
            t = converted;
        }
        return t.DetachFromDisposeScope();
    }

    public (float[] Top1OrProbability, float[] TrueLabelProbability) Predictions(Tensor logits, object batch)
    {
        var b = AsBatch(batch);
        return SoftmaxPredictions.Of(logits, i => b.Targets[i]);
    }

    public void Dispose()
    {
        ResetState();
        _net.Dispose();
    }
}
