using System.Runtime.InteropServices;

namespace ActorCodistill.Torch;

// native/functional.cpp. Optional tensors (bias, weight) pass IntPtr.Zero when absent.
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Lib)]
    internal static partial int cdt_linear(IntPtr x, IntPtr w, IntPtr b, out IntPtr result);

    [LibraryImport(Lib)]
    internal static partial int cdt_layer_norm(IntPtr x, long* shape, int n, IntPtr w, IntPtr b, double eps, out IntPtr result);

    [LibraryImport(Lib)]
    internal static partial int cdt_embedding(IntPtr ids, IntPtr weight, out IntPtr result);

    [LibraryImport(Lib)]
    internal static partial int cdt_dropout(IntPtr x, double p, int training, out IntPtr result);

    [LibraryImport(Lib)]
    internal static partial int cdt_conv2d(IntPtr x, IntPtr w, IntPtr b, long sh, long sw, long ph, long pw, out IntPtr result);

    [LibraryImport(Lib)]
    internal static partial int cdt_max_pool2d(IntPtr x, long kh, long kw, long sh, long sw, out IntPtr result);

    [LibraryImport(Lib)]
    internal static partial int cdt_cross_entropy(IntPtr input, IntPtr target, int reduction, out IntPtr result);

    [LibraryImport(Lib)]
    internal static partial int cdt_bce_with_logits(IntPtr input, IntPtr target, int reduction, out IntPtr result);

    [LibraryImport(Lib)]
    internal static partial int cdt_kl_div(IntPtr input, IntPtr target, int reduction, int logTarget, out IntPtr result);

    [LibraryImport(Lib)]
    internal static partial int cdt_mse_loss(IntPtr input, IntPtr target, int reduction, out IntPtr result);
}
