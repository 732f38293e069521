using ActorCodistill.Workers.Data;
using ActorCodistill.Workers.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ActorCodistill.Workers.Models;

/// <summary>
/// The paper's click-through-rate DNN (section 3.1): 13 numeric features and 26 hashed categorical
/// features (one shared hash table of embeddings; the field index is mixed into the hash by the data
/// layer), ReLU hidden layers (paper: 2560-1024-256) and one logistic output. Trained with Adagrad.
/// </summary>
public sealed class CtrModel : ITaskModel
{
    private readonly CtrModelSpec _spec;
    private readonly Net _net;

    public CtrModel(CtrModelSpec spec)
    {
        _spec = spec;
        _net = new Net(spec);
    }

    public nn.Module Module => _net;

    private sealed class Net : nn.Module
    {
        public readonly nn.Module<Tensor, Tensor> Embedding;
        public readonly nn.Module<Tensor, Tensor> Mlp;

        public Net(CtrModelSpec spec) : base("ctr_dnn")
        {
            Embedding = nn.Embedding(spec.HashBuckets, spec.EmbeddingDim);
            register_module("embedding", Embedding);
            var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
            var width = CtrExample.DenseCount + CtrExample.CategoricalCount * spec.EmbeddingDim;
            for (var i = 0; i < spec.Hidden.Count; i++)
            {
                layers.Add(($"linear{i}", nn.Linear(width, spec.Hidden[i])));
                layers.Add(($"relu{i}", nn.ReLU()));
                width = spec.Hidden[i];
            }
            layers.Add(("output", nn.Linear(width, 1)));
            Mlp = nn.Sequential(layers.ToArray());
            register_module("mlp", Mlp);
        }
    }

    private static CtrBatch AsBatch(object batch) =>
        batch as CtrBatch ?? throw new ArgumentException($"the CTR model takes CtrBatch, got {batch.GetType().Name}");

    public Tensor Forward(object batch)
    {
        var b = AsBatch(batch);
        var ids = new long[b.Categorical.Length];
        for (var i = 0; i < ids.Length; i++) ids[i] = b.Categorical[i] % _spec.HashBuckets;
        var embedded = _net.Embedding.call(tensor(ids, [b.BatchSize, CtrExample.CategoricalCount], ScalarType.Int64))
            .reshape(b.BatchSize, CtrExample.CategoricalCount * _spec.EmbeddingDim);
        // In the model's own precision: a bfloat16 teacher replica (teacher-precision) takes bfloat16 features.
        var dense = tensor(b.Dense, [b.BatchSize, CtrExample.DenseCount]);
        if (dense.dtype != embedded.dtype) dense = dense.to(embedded.dtype);
        return _net.Mlp.call(cat([dense, embedded], 1)).reshape(-1);
    }

    public Tensor TaskLoss(Tensor logits, object batch)
    {
        var b = AsBatch(batch);
        return nn.functional.binary_cross_entropy_with_logits(logits, tensor(b.Labels, [b.BatchSize]));
    }

    public bool BinaryOutput => true;

    public Tensor? Mask(object batch) => null;
    public void DetachState() { }
    public void ResetState() { }

    public (float[] Top1OrProbability, float[] TrueLabelProbability) Predictions(Tensor logits, object batch)
    {
        var b = AsBatch(batch);
        using var scope = NewDisposeScope();
        var p = logits.sigmoid().data<float>().ToArray();
        var truth = new float[p.Length];
        for (var i = 0; i < p.Length; i++) truth[i] = b.Labels[i] > 0.5f ? p[i] : 1 - p[i];
        return (p, truth);
    }

    public void Dispose() => _net.Dispose();
}
