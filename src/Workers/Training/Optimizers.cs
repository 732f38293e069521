using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ActorCodistill.Workers.Training;

/// <summary>
/// The optimizers a job names in <c>training.optimizer</c>. PyTorch's defaults are passed explicitly, so a change of
/// TorchSharp's defaults cannot change a run. Each step is ours (<see cref="FusedAdam"/>, <see cref="FusedAdagrad"/>,
/// <see cref="FusedSgd"/>): one pass in managed SIMD code over a contiguous CPU float32 parameter instead of
/// TorchSharp's chain of libtorch kernels, and no implicitly converted <see cref="Scalar"/> (TorchSharp frees those
/// from the finalizer thread, possibly while libtorch still reads them: docs/torch.md, "Scalars"). State,
/// checkpoints and options are TorchSharp's optimizers'.
/// </summary>
public static class Optimizers
{
    public static OptimizerHelper Create(OptimizerSpec spec, IEnumerable<Parameter> parameters)
    {
        var lr = spec.LearningRate;
        return spec.Kind.Trim().ToLowerInvariant() switch
        {
            "adam" => new FusedAdam(parameters, lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0),
            // The fused update skips the embedding rows a batch did not touch.
            "adagrad" => new FusedAdagrad(parameters, lr, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10),
            "sgd" => new FusedSgd(parameters, lr, momentum: 0.9),
            _ => throw new ArgumentException($"training.optimizer: unknown optimizer '{spec.Kind}' (expected adam, adagrad or sgd)"),
        };
    }
}
