using ActorCodistill.Workers.Data;
using ActorCodistill.Workers.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ActorCodistill.Workers.Models;

/// <summary>
/// A small CNN for Fashion-MNIST, the stand-in for the paper's ImageNet experiments:
/// conv5x5(16) -> ReLU -> maxpool2 -> conv5x5(32) -> ReLU -> maxpool2 -> linear(10).
/// </summary>
public sealed class FashionCnn : ITaskModel
{
    public const int Classes = 10;
    private readonly nn.Module<Tensor, Tensor> _net;

    public FashionCnn()
    {
        _net = nn.Sequential(
            ("conv1", nn.Conv2d(1, 16, 5, padding: 2)),
            ("relu1", nn.ReLU()),
            ("pool1", nn.MaxPool2d(2)),
            ("conv2", nn.Conv2d(16, 32, 5, padding: 2)),
            ("relu2", nn.ReLU()),
            ("pool2", nn.MaxPool2d(2)),
            ("flatten", nn.Flatten()),
            ("output", nn.Linear(32 * 7 * 7, Classes)));
    }

    public nn.Module Module => _net;

    private static ImageBatch AsBatch(object batch) =>
        batch as ImageBatch ?? throw new ArgumentException($"the Fashion-MNIST CNN takes ImageBatch, got {batch.GetType().Name}");

    public Tensor Forward(object batch)
    {
        var b = AsBatch(batch);
        // In the model's own precision: a bfloat16 teacher replica (teacher-precision) takes bfloat16 images.
        var images = tensor(b.Images, [b.BatchSize, b.Channels, b.Height, b.Width]);
        var dtype = _net.parameters().First().dtype;
        return _net.call(images.dtype == dtype ? images : images.to(dtype));
    }

    public Tensor TaskLoss(Tensor logits, object batch) => nn.functional.cross_entropy(logits, Targets(batch));

    private static Tensor Targets(object batch)
    {
        var b = AsBatch(batch);
        return tensor(b.Labels, [b.BatchSize]);
    }

    public Tensor? Mask(object batch) => null;
    public void DetachState() { }
    public void ResetState() { }

    public (float[] Top1OrProbability, float[] TrueLabelProbability) Predictions(Tensor logits, object batch)
    {
        var b = AsBatch(batch);
        return SoftmaxPredictions.Of(logits, i => b.Labels[i]);
    }

    public void Dispose() => _net.Dispose();
}
