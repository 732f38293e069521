// TorchSharp-shaped lower-case type names (torch, nn, functional) are deliberate.
#pragma warning disable CS8981
namespace ActorCodistill.Torch;

public static partial class torch
{
    public static partial class nn
    {
        public static partial class functional
        {
            /// <summary>
            /// Cross entropy of logits input [N, C] (or [N, C, ...]) against int64 class indices [N], or against
            /// float class probabilities of input's shape (soft targets, as distillation uses).
            /// </summary>
            public static Tensor cross_entropy(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
                => Loss(NativeMethods.cdt_cross_entropy, input, target, reduction, "cross_entropy");

            /// <summary>Numerically stable sigmoid + binary cross entropy; target holds probabilities in [0, 1].</summary>
            public static Tensor binary_cross_entropy_with_logits(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
                => Loss(NativeMethods.cdt_bce_with_logits, input, target, reduction, "binary_cross_entropy_with_logits");

            public static Tensor mse_loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
                => Loss(NativeMethods.cdt_mse_loss, input, target, reduction, "mse_loss");

            /// <summary>
            /// PyTorch's F.kl_div: input holds log-probabilities, target probabilities (or log-probabilities when
            /// log_target); pointwise target * (log target - input). Reduction.Mean averages over every element
            /// (PyTorch's default, rarely what is meant); Reduction.BatchMean divides the sum by the batch size.
            /// </summary>
            public static Tensor kl_div(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, bool log_target = false)
            {
                var status = NativeMethods.cdt_kl_div(Tensor.HandleOf(input, "kl_div"), Tensor.HandleOf(target, "kl_div"),
                    (int)reduction, log_target ? 1 : 0, out var r);
                GC.KeepAlive(input);
                GC.KeepAlive(target);
                return Tensor.Result(status, r, "kl_div");
            }

            private delegate int LossCall(IntPtr input, IntPtr target, int reduction, out IntPtr result);

            private static Tensor Loss(LossCall call, Tensor input, Tensor target, Reduction reduction, string op)
            {
                if (reduction == Reduction.BatchMean)
                    throw new ArgumentException($"torch op '{op}': Reduction.BatchMean is only defined for kl_div", nameof(reduction));
                var status = call(Tensor.HandleOf(input, op), Tensor.HandleOf(target, op), (int)reduction, out var r);
                GC.KeepAlive(input);
                GC.KeepAlive(target);
                return Tensor.Result(status, r, op);
            }
        }
    }
}
