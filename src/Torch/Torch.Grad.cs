// TorchSharp-shaped lower-case type names (torch, nn, functional) are deliberate.
#pragma warning disable CS8981
namespace ActorCodistill.Torch;

public static partial class torch
{
    /// <summary>Disables gradient recording on this thread until the returned guard is disposed (on this thread).</summary>
    public static AutoGradMode no_grad() => new(false);

    public static AutoGradMode enable_grad() => new(true);

    /// <summary>Sets grad mode on this thread; disposing the returned guard restores the previous mode.</summary>
    public static AutoGradMode set_grad_enabled(bool enabled) => new(enabled);

    public static bool is_grad_enabled()
    {
        NativeMethods.Check(NativeMethods.cdt_is_grad_enabled(out var enabled), "is_grad_enabled");
        return enabled != 0;
    }

    /// <summary>
    /// Scoped grad mode with at::NoGradGuard semantics. libtorch keeps grad mode per thread, so the guard
    /// must be disposed on the thread that made it: restoring on another thread would flip that thread's
    /// mode and leave this one wrong, so it throws instead.
    /// </summary>
    public sealed class AutoGradMode : IDisposable
    {
        private readonly bool _previous;
        private readonly int _threadId;
        private bool _disposed;

        internal AutoGradMode(bool enabled)
        {
            _previous = is_grad_enabled();
            _threadId = Environment.CurrentManagedThreadId;
            NativeMethods.Check(NativeMethods.cdt_set_grad_enabled(enabled ? 1 : 0), "set_grad_enabled");
        }

        public void Dispose()
        {
            if (_disposed) return;
            if (Environment.CurrentManagedThreadId != _threadId)
                throw new InvalidOperationException(
                    $"a grad-mode guard (no_grad) made on managed thread {_threadId} was disposed on thread {Environment.CurrentManagedThreadId}: "
                    + "libtorch's grad mode is thread-local, so dispose it on the thread that created it (no await inside the using block)");
            _disposed = true;
            NativeMethods.Check(NativeMethods.cdt_set_grad_enabled(_previous ? 1 : 0), "set_grad_enabled");
        }
    }
}
