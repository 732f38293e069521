using ActorCodistill.Torch;
using ActorCodistill.Torch.Modules;
using static ActorCodistill.Torch.torch;

namespace ActorCodistill.Bench.Torch;

/// <summary>Embedding(vocab, emb) -> LSTM(emb, hidden, layers, batch_first) -> Linear(hidden, vocab): bench model (a).</summary>
internal sealed class LstmLm : nn.Module<Tensor, Tensor>
{
    private readonly Embedding _embedding;
    private readonly LSTM _lstm;
    private readonly Linear _decoder;

    public LstmLm(long vocab = 8192, long emb = 256, long hidden = 512, long layers = 2) : base(nameof(LstmLm))
    {
        _embedding = register_module("emb", nn.Embedding(vocab, emb));
        _lstm = register_module("lstm", nn.LSTM(emb, hidden, layers, batchFirst: true));
        _decoder = register_module("out", nn.Linear(hidden, vocab));
    }

    public override Tensor forward(Tensor tokens) => _decoder.forward(_lstm.forward(_embedding.forward(tokens)).output);
}

/// <summary>
/// Click-through MLP, bench model (b): 13 dense features + 26 hashed categorical ids looked up in one shared
/// (buckets x 16) table, concatenated (13 + 26*16 = 429) -> 512-256-128 ReLU -> 1 logit. With <c>sparse</c> the table's
/// gradient is sparse (only the <= 13312 looked-up rows of a 512 x 26 batch), which Adagrad updates row by row.
/// </summary>
internal sealed class CtrMlp : nn.Module
{
    private readonly Embedding _embedding;
    private readonly Sequential _mlp;

    public CtrMlp(long buckets = 100_000, long dim = 16, int dense = 13, int categorical = 26, bool sparse = false) : base(nameof(CtrMlp))
    {
        _embedding = register_module("emb", nn.Embedding(buckets, dim, sparse: sparse));
        _mlp = register_module("mlp", nn.Sequential(
            nn.Linear(dense + categorical * dim, 512), nn.ReLU(),
            nn.Linear(512, 256), nn.ReLU(),
            nn.Linear(256, 128), nn.ReLU(),
            nn.Linear(128, 1)));
    }

    public Tensor forward(Tensor dense, Tensor ids)
    {
        using var e = _embedding.forward(ids);
        using var flat = e.flatten(1);
        using var x = cat(new[] { dense, flat }, 1);
        using var logit = _mlp.forward(x);
        return logit.squeeze(1);
    }
}
