using System.Runtime.InteropServices;

namespace ActorCodistill.Coordinator.Tests.Chaos.Harness;

/// <summary>
/// libc's kill(2): .NET sends SIGKILL (<see cref="System.Diagnostics.Process.Kill()"/>) but has no way to send
/// SIGSTOP, SIGCONT or SIGTERM to another process. Signal numbers differ between Linux and macOS.
/// A classic DllImport: the source-generated LibraryImport needs AllowUnsafeBlocks in the TestKit project, and
/// kill(int, int) is blittable, so the runtime marshals nothing either way.
/// </summary>
internal static class PosixSignals
{
    public static int Term => 15;

    public static int Stop => OperatingSystem.IsMacOS() ? 17 : 19;

    public static int Cont => OperatingSystem.IsMacOS() ? 19 : 18;

    /// <exception cref="PlatformNotSupportedException">On Windows.</exception>
    /// <exception cref="InvalidOperationException">When kill(2) fails, with errno.</exception>
    public static void Send(int pid, int signal, string name)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException($"{name}: POSIX signals are not available on Windows");
        if (Kill(pid, signal) != 0)
            throw new InvalidOperationException($"kill({pid}, {name}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
