using System.Runtime.InteropServices;

namespace ActorCodistill.Torch;

// native/nn.cpp: fused LSTM and PyTorch's in-place initialisers.
internal static partial class NativeMethods
{
    [LibraryImport(Lib)]
    internal static partial int cdt_nn_lstm(IntPtr input, IntPtr h0, IntPtr c0, IntPtr[] parameters, int nParams,
        int hasBiases, long numLayers, double dropout, int train, int batchFirst,
        out IntPtr output, out IntPtr hN, out IntPtr cN);

    [LibraryImport(Lib)]
    internal static partial int cdt_nn_init_uniform_(IntPtr tensor, double low, double high);

    [LibraryImport(Lib)]
    internal static partial int cdt_nn_init_normal_(IntPtr tensor, double mean, double std);

    [LibraryImport(Lib)]
    internal static partial int cdt_nn_init_fill_(IntPtr tensor, double value);

    [LibraryImport(Lib)]
    internal static partial int cdt_nn_copy_no_grad_(IntPtr target, IntPtr source);

    [LibraryImport(Lib)]
    internal static partial int cdt_nn_zero_grad(IntPtr[] tensors, int n, int setToNone);

    [LibraryImport(Lib)]
    internal static partial int cdt_nn_set_data_to(IntPtr tensor, int dtypeCode, int deviceType, int deviceIndex);
}
