// torch/nn/init are lower-case on purpose (TorchSharp names).
#pragma warning disable CS8981
using ActorCodistill.Torch.Modules;

namespace ActorCodistill.Torch;

public static partial class torch
{
    public static partial class nn
    {
        // TorchSharp-shaped factories: nn.Linear(...) builds a Modules.Linear.
        public static Linear Linear(long inFeatures, long outFeatures, bool hasBias = true, Device? device = null, ScalarType? dtype = null)
            => new(inFeatures, outFeatures, hasBias, device, dtype);

        public static Embedding Embedding(long numEmbeddings, long embeddingDim, Device? device = null, ScalarType? dtype = null, bool sparse = false)
            => new(numEmbeddings, embeddingDim, device, dtype, sparse);

        public static LSTM LSTM(long inputSize, long hiddenSize, long numLayers = 1, bool batchFirst = false, double dropout = 0,
            bool bias = true, Device? device = null, ScalarType? dtype = null)
            => new(inputSize, hiddenSize, numLayers, batchFirst, dropout, bias, device, dtype);

        public static LayerNorm LayerNorm(long[] normalizedShape, double eps = 1e-5, bool elementwiseAffine = true, Device? device = null, ScalarType? dtype = null)
            => new(normalizedShape, eps, elementwiseAffine, device, dtype);

        public static LayerNorm LayerNorm(long normalizedShape, double eps = 1e-5) => new(new[] { normalizedShape }, eps);

        public static Conv2d Conv2d(long inChannels, long outChannels, long kernelSize, long stride = 1, long padding = 0, bool bias = true,
            Device? device = null, ScalarType? dtype = null)
            => new(inChannels, outChannels, kernelSize, stride, padding, bias, device, dtype);

        public static Sequential Sequential(params (string name, Module<Tensor, Tensor> module)[] layers) => new(layers);

        public static Sequential Sequential(params Module<Tensor, Tensor>[] layers) => new(layers);

        public static ReLU ReLU() => new();

        public static Dropout Dropout(double p = 0.5) => new(p);

        public static Flatten Flatten(long startDim = 1, long endDim = -1) => new(startDim, endDim);

        public static MaxPool2d MaxPool2d(long kernelSize, long? stride = null) => new(kernelSize, stride);
    }
}
