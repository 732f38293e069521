// TorchSharp-shaped lower-case type names (torch, nn, functional) are deliberate.
#pragma warning disable CS8981
namespace ActorCodistill.Torch;

public static partial class torch
{
    /// <summary>
    /// A libtorch tensor. Owns one native handle (through a SafeHandle, so a forgotten tensor is still freed
    /// by the finalizer) and registers with the creating thread's innermost <see cref="DisposeScope"/>.
    /// Every method that returns a tensor returns a new wrapper the caller (or the scope) must dispose.
    /// Split by area: Tensor.Data.cs (shape, dtype, copy in/out), Tensor.Math.cs, Tensor.Shape.cs, Tensor.Autograd.cs.
    /// </summary>
    public sealed partial class Tensor : IDisposable
    {
        private readonly TensorHandle _handle;

        /// <summary>The scope that will dispose this tensor, or null; only touched on the scope's thread.</summary>
        internal DisposeScope? OwningScope;

        /// <summary>Takes ownership of a native at::Tensor* (from a shim call's out parameter).</summary>
        internal Tensor(IntPtr handle)
        {
            if (handle == IntPtr.Zero) throw new ArgumentException("null native tensor handle", nameof(handle));
            _handle = new TensorHandle(handle);
            DisposeScope.Register(this);
        }

        /// <summary>True once disposed (or never valid); any op then throws ObjectDisposedException.</summary>
        public bool IsInvalid => _handle.IsClosed || _handle.IsInvalid;

        /// <summary>
        /// The raw at::Tensor* for NativeMethods calls. Callers must keep this wrapper alive until the native call
        /// returns (GC.KeepAlive), or the finalizer may free the handle mid-call.
        /// </summary>
        internal IntPtr Handle => HandleFor("tensor access");

        /// <summary>The raw handle, or ObjectDisposedException naming the op that wanted it.</summary>
        internal IntPtr HandleFor(string op)
        {
            if (_handle.IsClosed) throw new ObjectDisposedException(nameof(Tensor), $"torch op '{op}' was given a disposed tensor");
            return _handle.DangerousGetHandle();
        }

        /// <summary>Handle of an argument tensor: ArgumentNullException / ObjectDisposedException naming the op.</summary>
        internal static IntPtr HandleOf(Tensor? tensor, string op)
        {
            if (tensor is null) throw new ArgumentNullException(nameof(tensor), $"torch op '{op}' was given a null tensor");
            return tensor.HandleFor(op);
        }

        /// <summary>Handle of an optional argument tensor (bias, weight): zero when absent.</summary>
        internal static IntPtr OptionalHandleOf(Tensor? tensor, string op) => tensor is null ? IntPtr.Zero : tensor.HandleFor(op);

        /// <summary>Checks a shim status and wraps its new tensor: the one path from a native result to a Tensor.</summary>
        internal static Tensor Result(int status, IntPtr result, string op)
        {
            NativeMethods.Check(status, op);
            return new Tensor(result);
        }

        public void Dispose()
        {
            // A scope on this thread forgets the tensor now; one on another thread keeps a harmless reference
            // (disposing twice is a no-op) because its set may only be touched by its own thread.
            var scope = OwningScope;
            if (scope is not null && scope.IsOwnerThread)
            {
                scope.Forget(this);
                OwningScope = null;
            }
            _handle.Dispose();
        }

        /// <summary>Moves this tensor from its dispose scope to the next outer one (or none); returns this.</summary>
        public Tensor MoveToOuterDisposeScope()
        {
            OwningScope?.MoveToOuter(this);
            return this;
        }

        /// <summary>Takes this tensor out of every dispose scope: the caller disposes it. Returns this.</summary>
        public Tensor DetachFromDisposeScope()
        {
            OwningScope?.Detach(this);
            return this;
        }

        public override string ToString()
            => IsInvalid ? "Tensor (disposed)" : $"Tensor [{string.Join("x", shape)}], type = {dtype}, device = {device}";
    }
}
