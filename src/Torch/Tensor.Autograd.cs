// TorchSharp-shaped lower-case type names (torch, nn, functional) are deliberate.
#pragma warning disable CS8981
using N = ActorCodistill.Torch.NativeMethods;

namespace ActorCodistill.Torch;

public static partial class torch
{
    public sealed partial class Tensor
    {
        public bool requires_grad
        {
            get => ReadInfo("requires_grad").RequiresGrad != 0;
            set => requires_grad_(value);
        }

        /// <summary>Sets requires_grad in place (only on leaves, as in PyTorch); returns this.</summary>
        public Tensor requires_grad_(bool value = true)
        {
            var status = N.cdt_tensor_set_requires_grad(HandleFor("requires_grad_"), value ? 1 : 0);
            GC.KeepAlive(this);
            N.Check(status, "requires_grad_");
            return this;
        }

        public bool is_leaf => ReadInfo("is_leaf").IsLeaf != 0;

        /// <summary>
        /// The accumulated gradient as a new wrapper (sharing storage with libtorch's grad) each time it is read,
        /// or null when none was computed. Setting null drops the gradient (what zero_grad(set_to_none) does).
        /// </summary>
        public Tensor? grad
        {
            get
            {
                var status = N.cdt_tensor_grad(HandleFor("grad"), out var r);
                GC.KeepAlive(this);
                N.Check(status, "grad");
                return r == IntPtr.Zero ? null : new Tensor(r);
            }
            set
            {
                var status = N.cdt_tensor_set_grad(HandleFor("grad"), value is null ? IntPtr.Zero : value.HandleFor("grad"));
                GC.KeepAlive(this);
                GC.KeepAlive(value);
                N.Check(status, "grad");
            }
        }

        /// <summary>Backpropagates from this scalar tensor into the grads of the leaves that require grad.</summary>
        public void backward() => backward(null);

        /// <summary>Backpropagates with an explicit output gradient (needed for non-scalar outputs).</summary>
        public void backward(Tensor? gradient, bool retain_graph = false)
        {
            var status = N.cdt_tensor_backward(HandleFor("backward"), gradient is null ? IntPtr.Zero : gradient.HandleFor("backward"),
                retain_graph ? 1 : 0);
            GC.KeepAlive(this);
            GC.KeepAlive(gradient);
            N.Check(status, "backward");
        }
    }
}
