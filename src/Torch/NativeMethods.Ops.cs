using System.Runtime.InteropServices;

namespace ActorCodistill.Torch;

// native/ops.cpp. Ops of one signature share an entry point with an op code; the codes below
// must match the switch statements there.
internal static unsafe partial class NativeMethods
{
    internal const int OpAdd = 0, OpSub = 1, OpMul = 2, OpDiv = 3, OpMatmul = 4, OpPow = 5, OpEq = 6, OpGt = 7, OpLt = 8,
        OpMaximum = 9, OpMinimum = 10, OpGe = 11, OpLe = 12, OpNe = 13, OpRsub = 14, OpRdiv = 15;

    internal const int UNeg = 0, URelu = 1, UTanh = 2, USigmoid = 3, UExp = 4, ULog = 5, USqrt = 6, UAbs = 7,
        USum = 8, UMean = 9, UMax = 10, UMin = 11, USquare = 12;

    internal const int DSoftmax = 0, DLogSoftmax = 1, DArgmax = 2, DUnsqueeze = 3, DSqueeze = 4, DSqueezeAll = 5;

    internal const int SReshape = 0, SView = 1, SPermute = 2, SExpand = 3;

    [LibraryImport(Lib)]
    internal static partial int cdt_binary(int op, IntPtr a, IntPtr b, out IntPtr result);

    [LibraryImport(Lib)]
    internal static partial int cdt_binary_scalar(int op, IntPtr a, double s, out IntPtr result);

    /// <summary>In place on a; b may be zero, then s is the operand.</summary>
    [LibraryImport(Lib)]
    internal static partial int cdt_binary_(int op, IntPtr a, IntPtr b, double s);

    [LibraryImport(Lib)]
    internal static partial int cdt_unary(int op, IntPtr a, out IntPtr result);

    [LibraryImport(Lib)]
    internal static partial int cdt_clamp(IntPtr a, double min, int hasMin, double max, int hasMax, out IntPtr result);

    [LibraryImport(Lib)]
    internal static partial int cdt_dim_op(int op, IntPtr a, long dim, int flag, out IntPtr result);

    /// <summary>op: 0 sum, 1 mean.</summary>
    [LibraryImport(Lib)]
    internal static partial int cdt_reduce(int op, IntPtr a, long* dims, int n, int keepdim, out IntPtr result);

    [LibraryImport(Lib)]
    internal static partial int cdt_shape_op(int op, IntPtr a, long* dims, int n, out IntPtr result);

    /// <summary>op: 0 transpose, 1 flatten.</summary>
    [LibraryImport(Lib)]
    internal static partial int cdt_two_dim_op(int op, IntPtr t, long a, long b, out IntPtr result);

    [LibraryImport(Lib)]
    internal static partial int cdt_slice(IntPtr t, long dim, long start, long end, long step, out IntPtr result);

    [LibraryImport(Lib)]
    internal static partial int cdt_narrow(IntPtr t, long dim, long start, long length, out IntPtr result);

    [LibraryImport(Lib)]
    internal static partial int cdt_index_select(IntPtr t, long dim, IntPtr index, out IntPtr result);

    /// <summary>op: 0 cat, 1 stack.</summary>
    [LibraryImport(Lib)]
    internal static partial int cdt_join(int op, IntPtr* tensors, int n, long dim, out IntPtr result);

    [LibraryImport(Lib)]
    internal static partial int cdt_allclose(IntPtr a, IntPtr b, double rtol, double atol, int equalNan, out int result);
}
