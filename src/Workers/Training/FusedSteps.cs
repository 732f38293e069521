using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace ActorCodistill.Workers.Training;

/// <summary>What the fused optimizers (<see cref="FusedAdam"/>, <see cref="FusedAdagrad"/>, <see cref="FusedSgd"/>) share.</summary>
internal static class FusedSteps
{
    /// <summary>The closure's loss (evaluated with gradients on), or null without one: the optimizer step's result.</summary>
    public static Tensor Closure(Func<Tensor>? closure)
    {
        if (closure is null) return null!;
        using (enable_grad())
            return closure();
    }

    /// <summary>Whether a tensor can be updated in place as one span of floats: CPU, float32, dense, contiguous.</summary>
    public static bool Fusable(Tensor t) =>
        t.device_type == DeviceType.CPU && t.dtype == ScalarType.Float32 && !t.is_sparse && t.is_contiguous();

    /// <summary>A fusable tensor's elements, in place.</summary>
    public static Span<float> Floats(Tensor t) => MemoryMarshal.Cast<byte, float>(t.bytes);
}
