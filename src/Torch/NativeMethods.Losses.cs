using System.Runtime.InteropServices;

namespace ActorCodistill.Torch;

// native/losses.cpp. Optional tensors (soft targets, mask) pass IntPtr.Zero when absent.
internal static partial class NativeMethods
{
    [LibraryImport(Lib)]
    internal static partial int cdt_codistill_cross_entropy_pair(IntPtr logits, IntPtr targets, IntPtr softTargets, IntPtr mask,
        double temperature, int kl, out IntPtr task, out IntPtr distill);
}
