using System.Reflection;
using System.Runtime.InteropServices;

namespace ActorCodistill.Torch;

/// <summary>
/// The only place that talks to the native shim. Every shim function returns 0 or 1; callers go
/// through <see cref="Check"/> so a failure always becomes a <see cref="TorchException"/> naming the op.
/// Split by area into partial files (NativeMethods.*.cs), one per native/*.cpp.
/// </summary>
internal static partial class NativeMethods
{
    internal const string Lib = "codistill_torch";

    static NativeMethods()
    {
        NativeLibrary.SetDllImportResolver(typeof(NativeMethods).Assembly, Resolve);
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        if (name != Lib) return IntPtr.Zero;
        var beside = Path.Combine(AppContext.BaseDirectory, "libcodistill_torch.so");
        if (File.Exists(beside)) return NativeLibrary.Load(beside);
        var nextToAssembly = Path.Combine(Path.GetDirectoryName(assembly.Location) ?? ".", "libcodistill_torch.so");
        if (File.Exists(nextToAssembly)) return NativeLibrary.Load(nextToAssembly);
        throw new DllNotFoundException(
            $"libcodistill_torch.so not found in {AppContext.BaseDirectory}: the native shim is built by `dotnet build` of src/Torch (needs cmake and libtorch-dev; run deploy/setup-host.sh)");
    }

    [LibraryImport(Lib)]
    private static partial IntPtr cdt_last_error();

    internal static string LastError() => Marshal.PtrToStringUTF8(cdt_last_error()) ?? "(no message)";

    /// <summary>Turns a shim status into an exception naming the op and carrying libtorch's message.</summary>
    internal static void Check(int status, string op)
    {
        if (status != 0) throw new TorchException(op, LastError());
    }

    [LibraryImport(Lib)]
    internal static partial int cdt_tensor_free(IntPtr tensor);

    [LibraryImport(Lib)]
    internal static unsafe partial int cdt_runtime_info(byte* version, int versionLen, byte* path, int pathLen);

    [LibraryImport(Lib)]
    internal static partial int cdt_set_num_threads(int n);

    [LibraryImport(Lib)]
    internal static partial int cdt_get_num_threads(out int n);

    [LibraryImport(Lib)]
    internal static partial int cdt_manual_seed(long seed);

    [LibraryImport(Lib)]
    internal static partial int cdt_host_cache_configure(long capBytes);

    [LibraryImport(Lib)]
    internal static partial int cdt_host_cache_stats(out int installed, out long cached, out long cap, out long hits, out long misses, out long live);
}
