using System.Runtime.InteropServices;

namespace ActorCodistill.Torch;

// native/tensor.cpp: creation, properties, copy in/out, conversions, autograd, grad mode, BLAS threads.
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Lib)]
    internal static partial int cdt_tensor_from_data(void* data, long count, int dataDtype, long* shape, int ndim,
        int dtype, int devType, int devIndex, int requiresGrad, out IntPtr result);

    [LibraryImport(Lib)]
    internal static partial int cdt_tensor_factory(int kind, long* shape, int ndim, double value, long low, long high,
        int dtype, int devType, int devIndex, int requiresGrad, out IntPtr result);

    [LibraryImport(Lib)]
    internal static partial int cdt_tensor_arange(double start, double end, double step, int dtype, int devType, int devIndex, out IntPtr result);

    [LibraryImport(Lib)]
    internal static partial int cdt_tensor_shape(IntPtr t, long* buf, int cap, out int ndim);

    [LibraryImport(Lib)]
    internal static partial int cdt_tensor_info(IntPtr t, out int ndim, out long numel, out int dtype, out int devType,
        out int devIndex, out int requiresGrad, out int isLeaf);

    [LibraryImport(Lib)]
    internal static partial int cdt_tensor_copy_out(IntPtr t, void* dst, long count, int dstDtype);

    [LibraryImport(Lib)]
    internal static partial int cdt_tensor_copy_in(IntPtr t, void* src, long count, int srcDtype);

    [LibraryImport(Lib)]
    internal static partial int cdt_tensor_item(IntPtr t, out double value);

    [LibraryImport(Lib)]
    internal static partial int cdt_tensor_item_long(IntPtr t, out long value);

    [LibraryImport(Lib)]
    internal static partial int cdt_tensor_to(IntPtr t, int dtype, int devType, int devIndex, out IntPtr result);

    /// <summary>kind: 0 clone, 1 detach, 2 contiguous, 3 zero_ (no result), 4 alias.</summary>
    [LibraryImport(Lib)]
    internal static partial int cdt_tensor_basic(IntPtr t, int kind, out IntPtr result);

    [LibraryImport(Lib)]
    internal static partial int cdt_tensor_copy_(IntPtr dst, IntPtr src);

    [LibraryImport(Lib)]
    internal static partial int cdt_blas_threads(int n, out int found, out int current);

    [LibraryImport(Lib)]
    internal static partial int cdt_cuda_device_count(out int count);
}
