using System.Runtime.InteropServices;

namespace ActorCodistill.Torch;

// Autograd entry points (in native/tensor.cpp: they are a handful of one-liners over the same handle).
internal static partial class NativeMethods
{
    [LibraryImport(Lib)]
    internal static partial int cdt_tensor_set_requires_grad(IntPtr t, int value);

    /// <summary>result is zero when the tensor has no grad.</summary>
    [LibraryImport(Lib)]
    internal static partial int cdt_tensor_grad(IntPtr t, out IntPtr result);

    [LibraryImport(Lib)]
    internal static partial int cdt_tensor_set_grad(IntPtr t, IntPtr grad);

    [LibraryImport(Lib)]
    internal static partial int cdt_tensor_backward(IntPtr t, IntPtr gradient, int retainGraph);

    [LibraryImport(Lib)]
    internal static partial int cdt_set_grad_enabled(int enabled);

    [LibraryImport(Lib)]
    internal static partial int cdt_is_grad_enabled(out int enabled);
}
