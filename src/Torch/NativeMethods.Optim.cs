using System.Runtime.InteropServices;

namespace ActorCodistill.Torch;

// native/optim.cpp: one call per optimizer step for all parameters.
internal static partial class NativeMethods
{
    [LibraryImport(Lib)]
    internal static partial int cdt_optim_sgd_step(IntPtr[] parameters, IntPtr[]? buffers, [In, Out] int[] initialized, int n,
        double lr, double momentum, double dampening, double weightDecay, int nesterov);

    [LibraryImport(Lib)]
    internal static partial int cdt_optim_adam_step(IntPtr[] parameters, IntPtr[] expAvgs, IntPtr[] expAvgSqs,
        [In, Out] long[] steps, int n, double lr, double beta1, double beta2, double eps, double weightDecay);

    [LibraryImport(Lib)]
    internal static partial int cdt_optim_adagrad_step(IntPtr[] parameters, IntPtr[] sums, [In, Out] long[] steps, int n,
        double lr, double lrDecay, double weightDecay, double eps);

    [LibraryImport(Lib)]
    internal static partial int cdt_optim_state_like(IntPtr[] parameters, int n, double value, [In, Out] IntPtr[] output);
}
