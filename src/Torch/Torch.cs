// TorchSharp-shaped lower-case type names (torch, nn, functional) are deliberate.
#pragma warning disable CS8981
namespace ActorCodistill.Torch;

/// <summary>
/// The TorchSharp-shaped entry point: factories, free-standing ops, grad mode and threads.
/// Split by area: Torch.Types.cs (ScalarType, Device), Torch.Factories.cs, Torch.Grad.cs, Torch.Threads.cs.
/// </summary>
public static partial class torch
{
    public static Tensor matmul(Tensor a, Tensor b) => a.matmul(b);

    public static Tensor cat(IList<Tensor> tensors, long dim = 0) => Join(0, tensors, dim, "cat");

    public static Tensor stack(IList<Tensor> tensors, long dim = 0) => Join(1, tensors, dim, "stack");

    private static unsafe Tensor Join(int op, IList<Tensor> tensors, long dim, string name)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0) throw new ArgumentException($"torch op '{name}' needs at least one tensor", nameof(tensors));
        // Small lists (the common case) stay on the stack; the handles are only read during the call.
        Span<IntPtr> handles = tensors.Count <= 32 ? stackalloc IntPtr[tensors.Count] : new IntPtr[tensors.Count];
        for (var i = 0; i < handles.Length; i++) handles[i] = Tensor.HandleOf(tensors[i], name);
        int status;
        IntPtr result;
        fixed (IntPtr* p = handles) status = NativeMethods.cdt_join(op, p, handles.Length, dim, out result);
        GC.KeepAlive(tensors);
        return Tensor.Result(status, result, name);
    }

    /// <summary>Seeds libtorch's default CPU generator (randn, rand, randint, dropout).</summary>
    public static void manual_seed(long seed) => NativeMethods.Check(NativeMethods.cdt_manual_seed(seed), "manual_seed");

    /// <summary>Opens a dispose scope on the calling thread; see <see cref="DisposeScope"/>.</summary>
    public static DisposeScope NewDisposeScope() => new();

    public static class cuda
    {
        public static int device_count()
        {
            NativeMethods.Check(NativeMethods.cdt_cuda_device_count(out var n), "cuda.device_count");
            return n;
        }

        public static bool is_available() => device_count() > 0;
    }
}
