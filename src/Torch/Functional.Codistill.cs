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
            /// The task and distillation losses of one codistillation step in one fused op (native/losses.cpp), for
            /// logits [N, C] (float32 or float64) and int64 class indices targets [N] in [0, C) (no ignore_index).
            /// Task is exactly <c>cross_entropy(logits, targets)</c> (mean over all N rows). Distill is
            /// T² · Σ m_i CE_i / max(Σ m, 1) with CE_i = -Σ_j q_ij log_softmax(logits_i / T)_j against the soft targets q
            /// [N, C] (probabilities at temperature T, the logits' dtype); with <paramref name="kl"/> the teacher's entropy
            /// (clamped logs, 0 log 0 = 0) is subtracted, which leaves the gradient unchanged. Without a mask every row
            /// counts; an all-zero mask gives 0. With <paramref name="softTargets"/> null, Distill is 0 and has no
            /// gradient. Gradients flow to the logits only (not to targets, soft targets or mask). Both results are
            /// 0-dim views of one [2] tensor and keep the graph, so <c>(a·Task + b·Distill).backward()</c> needs one pass.
            /// </summary>
            public static (Tensor Task, Tensor Distill) codistill_cross_entropy(Tensor logits, Tensor targets, Tensor? softTargets,
                double temperature = 1.0, bool kl = false, Tensor? mask = null)
            {
                const string op = "codistill_cross_entropy";
                var status = NativeMethods.cdt_codistill_cross_entropy_pair(
                    Tensor.HandleOf(logits, op), Tensor.HandleOf(targets, op), Tensor.OptionalHandleOf(softTargets, op),
                    Tensor.OptionalHandleOf(mask, op), temperature, kl ? 1 : 0, out var task, out var distill);
                GC.KeepAlive(logits);
                GC.KeepAlive(targets);
                GC.KeepAlive(softTargets);
                GC.KeepAlive(mask);
                NativeMethods.Check(status, op);
                return (new Tensor(task), new Tensor(distill));
            }
        }
    }
}
