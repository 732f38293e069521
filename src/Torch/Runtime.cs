namespace ActorCodistill.Torch;

/// <summary>Start-up facts about the loaded libtorch, and the thread settings that decide step time.</summary>
public static partial class TorchRuntime
{
    /// <summary>The libtorch major.minor this binding is written against.</summary>
    public const string ExpectedVersionPrefix = "1.13";

    private static readonly Lazy<(string Version, string LibraryPath)> Info = new(ReadInfo);

    public static string Version => Info.Value.Version;
    public static string LibraryPath => Info.Value.LibraryPath;

    private static unsafe (string, string) ReadInfo()
    {
        var version = new byte[64];
        var path = new byte[1024];
        fixed (byte* v = version)
        fixed (byte* p = path)
            NativeMethods.Check(NativeMethods.cdt_runtime_info(v, version.Length, p, path.Length), "runtime_info");
        return (CString(version), CString(path));
    }

    private static string CString(byte[] bytes)
    {
        var end = Array.IndexOf(bytes, (byte)0);
        return System.Text.Encoding.UTF8.GetString(bytes, 0, end < 0 ? bytes.Length : end);
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = System.Runtime.InteropServices.StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);

    /// <summary>
    /// Sets OMP_WAIT_POLICY=PASSIVE for this process unless the user chose a policy. libgomp reads it
    /// once when libtorch loads, and under its default (spinning) policy libtorch's intra-op threads
    /// make an LSTM step ~2x slower on 2 cores. .NET's Environment does not reach the native
    /// environment on Linux, hence setenv. Call before the first torch call.
    /// </summary>
    public static void PrepareProcessEnvironment(string waitPolicy = "PASSIVE")
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OMP_WAIT_POLICY"))) return;
        SetEnv("OMP_WAIT_POLICY", waitPolicy, 0);
        Environment.SetEnvironmentVariable("OMP_WAIT_POLICY", waitPolicy);
    }

    /// <summary>Throws when the loaded libtorch is not the version this binding targets; returns a one-line description.</summary>
    public static string CheckVersion()
    {
        if (!Version.StartsWith(ExpectedVersionPrefix, StringComparison.Ordinal))
            throw new InvalidOperationException(
                $"libtorch {Version} loaded from {LibraryPath}, but this binding targets {ExpectedVersionPrefix}.x (Debian libtorch-dev 1.13)");
        return $"libtorch {Version} from {LibraryPath}";
    }
}
