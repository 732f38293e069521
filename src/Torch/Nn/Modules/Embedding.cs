using static ActorCodistill.Torch.torch;

namespace ActorCodistill.Torch.Modules;

/// <summary>A lookup table [num, dim] indexed by int64 ids; initialised normal(0, 1) as in PyTorch. Gradients are dense.</summary>
public sealed class Embedding : nn.Module<Tensor, Tensor>
{
    public Embedding(long numEmbeddings, long embeddingDim, Device? device = null, ScalarType? dtype = null)
        : base(nameof(Embedding))
    {
        if (numEmbeddings <= 0 || embeddingDim <= 0)
            throw new ArgumentOutOfRangeException(nameof(numEmbeddings), $"Embedding({numEmbeddings}, {embeddingDim}): sizes must be positive");
        num_embeddings = numEmbeddings;
        embedding_dim = embeddingDim;
        weight = register_parameter("weight", nn.NewParameter(new[] { numEmbeddings, embeddingDim }, dtype, device));
        nn.init.normal_(weight);
    }

    public long num_embeddings { get; }
    public long embedding_dim { get; }
    public Tensor weight { get; }

    public override Tensor forward(Tensor input) => nn.functional.embedding(input, weight);
}
