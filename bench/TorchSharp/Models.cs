using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ActorCodistill.Bench.TorchSharpBench;

/// <summary>Embedding(vocab, emb) -> LSTM(emb, hidden, layers, batch_first) -> Linear(hidden, vocab): bench model (a).
/// Modules are created in the same order as bench/Torch's and step_bench.py's, so the same seed gives the same init.</summary>
internal sealed class LstmLm : nn.Module<Tensor, Tensor>
{
    private readonly Embedding _embedding;
    private readonly LSTM _lstm;
    private readonly Linear _decoder;

    public LstmLm(long vocab = 8192, long emb = 256, long hidden = 512, long layers = 2) : base(nameof(LstmLm))
    {
        _embedding = nn.Embedding(vocab, emb);
        _lstm = nn.LSTM(emb, hidden, layers, batchFirst: true);
        _decoder = nn.Linear(hidden, vocab);
        RegisterComponents();
    }

    public override Tensor forward(Tensor tokens)
    {
        var (output, _, _) = _lstm.forward(_embedding.forward(tokens));
        return _decoder.forward(output);
    }
}

/// <summary>
/// Click-through MLP, bench model (b): 13 dense features + 26 hashed categorical ids looked up in one shared
/// (buckets x 16) table, concatenated (13 + 26*16 = 429) -> 512-256-128 ReLU -> 1 logit. Dense embedding gradient
/// only: TorchSharp's Adagrad rejects sparse gradients.
/// </summary>
internal sealed class CtrMlp : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Embedding _embedding;
    private readonly Sequential _mlp;

    public CtrMlp(long buckets = 100_000, long dim = 16, int dense = 13, int categorical = 26) : base(nameof(CtrMlp))
    {
        _embedding = nn.Embedding(buckets, dim);
        _mlp = nn.Sequential(
            nn.Linear(dense + categorical * dim, 512), nn.ReLU(),
            nn.Linear(512, 256), nn.ReLU(),
            nn.Linear(256, 128), nn.ReLU(),
            nn.Linear(128, 1));
        RegisterComponents();
    }

    public override Tensor forward(Tensor dense, Tensor ids) =>
        _mlp.forward(cat(new[] { dense, _embedding.forward(ids).flatten(1) }, 1)).squeeze(1);
}
