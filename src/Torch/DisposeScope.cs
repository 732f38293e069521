// TorchSharp-shaped lower-case type names (torch, nn, functional) are deliberate.
#pragma warning disable CS8981
namespace ActorCodistill.Torch;

public static partial class torch
{
    /// <summary>
    /// Collects the tensors created on one thread while it is open and disposes them when it is disposed,
    /// so a training loop with one scope per step holds native memory flat. Scopes form a per-thread stack
    /// ([ThreadStatic]): a worker actor's model thread has its own, and a tensor created on another thread
    /// never lands in this thread's scope. A scope may only be used and disposed on the thread that opened it;
    /// it throws InvalidOperationException otherwise, since its set is not thread-safe and the stack is per thread.
    /// </summary>
    public sealed class DisposeScope : IDisposable
    {
        [ThreadStatic]
        private static DisposeScope? t_current;

        private readonly DisposeScope? _outer;
        private readonly int _threadId;
        private readonly HashSet<Tensor> _tensors = new(ReferenceEqualityComparer.Instance);
        private bool _disposed;

        internal DisposeScope()
        {
            _outer = t_current;
            _threadId = Environment.CurrentManagedThreadId;
            t_current = this;
        }

        /// <summary>The calling thread's innermost open scope, or null.</summary>
        public static DisposeScope? Current => t_current;

        /// <summary>How many live tensors the scope holds.</summary>
        public int Count => _tensors.Count;

        public bool IsDisposed => _disposed;

        internal bool IsOwnerThread => Environment.CurrentManagedThreadId == _threadId;

        internal static void Register(Tensor tensor)
        {
            var scope = t_current;
            if (scope is null) return;
            scope._tensors.Add(tensor);
            tensor.OwningScope = scope;
        }

        internal void Forget(Tensor tensor) => _tensors.Remove(tensor);

        /// <summary>Hands the tensors to the next outer scope (or to no scope: then the caller disposes them).</summary>
        public void MoveToOuter(params Tensor[] tensors)
        {
            CheckUsable("MoveToOuter");
            foreach (var t in tensors)
            {
                if (!ReferenceEquals(t.OwningScope, this)) continue;
                _tensors.Remove(t);
                t.OwningScope = null;
                if (_outer is not null && !_outer._disposed)
                {
                    _outer._tensors.Add(t);
                    t.OwningScope = _outer;
                }
            }
        }

        /// <summary>Takes the tensors out of this scope; the caller disposes them.</summary>
        public void Detach(params Tensor[] tensors)
        {
            CheckUsable("Detach");
            foreach (var t in tensors)
            {
                if (!ReferenceEquals(t.OwningScope, this)) continue;
                _tensors.Remove(t);
                t.OwningScope = null;
            }
        }

        /// <summary>Disposes every tensor still held; must be the innermost open scope of the calling thread.</summary>
        public void Dispose()
        {
            if (_disposed) return;
            CheckThread("Dispose");
            if (!ReferenceEquals(t_current, this))
                throw new InvalidOperationException("dispose scopes must be disposed innermost first: an inner scope opened after this one is still open");
            _disposed = true;
            t_current = _outer;
            foreach (var t in _tensors)
            {
                t.OwningScope = null;
                t.Dispose();
            }
            _tensors.Clear();
        }

        private void CheckUsable(string op)
        {
            if (_disposed) throw new ObjectDisposedException(nameof(DisposeScope), $"DisposeScope.{op} on a disposed scope");
            CheckThread(op);
        }

        private void CheckThread(string op)
        {
            if (!IsOwnerThread)
                throw new InvalidOperationException(
                    $"DisposeScope.{op} on managed thread {Environment.CurrentManagedThreadId}, but the scope belongs to thread {_threadId}: "
                    + "scopes are per thread (a model runs on one dedicated thread); open a scope on this thread instead");
        }
    }
}
