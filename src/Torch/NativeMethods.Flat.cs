using System.Runtime.InteropServices;

namespace ActorCodistill.Torch;

// native/flat.cpp: tensors (or their grads) <-> one contiguous host buffer, in one call.
internal static partial class NativeMethods
{
    [LibraryImport(Lib)]
    internal static unsafe partial int cdt_flat_copy(IntPtr[] tensors, int n, int grads, int direction, void* buffer,
        long count, int dtypeCode);

    [LibraryImport(Lib)]
    internal static partial int cdt_flat_count(IntPtr[] tensors, int n, out long count);
}
