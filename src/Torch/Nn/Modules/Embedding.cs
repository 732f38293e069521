using static ActorCodistill.Torch.torch;

namespace ActorCodistill.Torch.Modules;

/// <summary>
/// A lookup table [num, dim] indexed by int64 ids; initialised normal(0, 1) as in PyTorch.
/// With <c>sparse: true</c> backward leaves a sparse COO gradient holding only the looked-up rows (ids as indices,
/// duplicates summed when coalesced) instead of a dense [num, dim] gradient: for a large table and a small batch it
/// saves zeroing, scattering into and reading the whole table each step. SGD (no momentum or weight decay) and
/// Adagrad (no weight decay) then update only those rows; Adam refuses a sparse gradient, as PyTorch does.
/// </summary>
public sealed class Embedding : nn.Module<Tensor, Tensor>
{
    public Embedding(long numEmbeddings, long embeddingDim, Device? device = null, ScalarType? dtype = null, bool sparse = false)
        : base(nameof(Embedding))
    {
        if (numEmbeddings <= 0 || embeddingDim <= 0)
            throw new ArgumentOutOfRangeException(nameof(numEmbeddings), $"Embedding({numEmbeddings}, {embeddingDim}): sizes must be positive");
        num_embeddings = numEmbeddings;
        embedding_dim = embeddingDim;
        this.sparse = sparse;
        weight = register_parameter("weight", nn.NewParameter(new[] { numEmbeddings, embeddingDim }, dtype, device));
        nn.init.normal_(weight);
    }

    public long num_embeddings { get; }
    public long embedding_dim { get; }

    /// <summary>Whether the weight's gradient is a sparse COO tensor (TorchSharp's and PyTorch's <c>sparse</c>).</summary>
    public bool sparse { get; }

    public Tensor weight { get; }

    public override Tensor forward(Tensor input)
    {
        if (!sparse) return nn.functional.embedding(input, weight);
        var status = NativeMethods.cdt_embedding_sparse(Tensor.HandleOf(input, "Embedding.forward"), weight.HandleFor("Embedding.forward"), out var r);
        GC.KeepAlive(input);
        GC.KeepAlive(weight);
        return Tensor.Result(status, r, "Embedding.forward (sparse)");
    }
}
