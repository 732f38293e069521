using System.Runtime.InteropServices;

namespace ActorCodistill.Torch;

// native/sparse.cpp: the sparse embedding lookup and queries on sparse COO tensors (sparse gradients).
internal static partial class NativeMethods
{
    [LibraryImport(Lib)]
    internal static partial int cdt_embedding_sparse(IntPtr ids, IntPtr weight, out IntPtr result);

    [LibraryImport(Lib)]
    internal static partial int cdt_tensor_is_sparse(IntPtr tensor, out int isSparse);

    [LibraryImport(Lib)]
    internal static partial int cdt_sparse_to_dense(IntPtr tensor, out IntPtr result);

    [LibraryImport(Lib)]
    internal static partial int cdt_sparse_coalesce(IntPtr tensor, out IntPtr result);

    [LibraryImport(Lib)]
    internal static partial int cdt_sparse_nnz(IntPtr tensor, out long nnz);

    [LibraryImport(Lib)]
    internal static partial int cdt_sparse_grad_flags(IntPtr[] tensors, int n, [Out] int[] flags, out int any);
}
