// TorchSharp-shaped lower-case type names (torch, nn, functional) are deliberate.
#pragma warning disable CS8981
namespace ActorCodistill.Torch;

public static partial class torch
{
    public sealed partial class Tensor
    {
        private readonly struct Info
        {
            public readonly int Ndim, Dtype, DevType, DevIndex, RequiresGrad, IsLeaf;
            public readonly long Numel;

            public Info(int ndim, long numel, int dtype, int devType, int devIndex, int requiresGrad, int isLeaf)
            {
                Ndim = ndim; Numel = numel; Dtype = dtype; DevType = devType; DevIndex = devIndex; RequiresGrad = requiresGrad; IsLeaf = isLeaf;
            }
        }

        private Info ReadInfo(string op)
        {
            var status = NativeMethods.cdt_tensor_info(HandleFor(op), out var ndim, out var numel, out var dt, out var devType,
                out var devIndex, out var rg, out var leaf);
            GC.KeepAlive(this);
            NativeMethods.Check(status, op);
            return new Info(ndim, numel, dt, devType, devIndex, rg, leaf);
        }

        /// <summary>The sizes, as a new array (one native call; cache it in hot loops).</summary>
        public unsafe long[] shape
        {
            get
            {
                Span<long> buf = stackalloc long[16];
                int status, ndim;
                fixed (long* b = buf) status = NativeMethods.cdt_tensor_shape(HandleFor("shape"), b, buf.Length, out ndim);
                NativeMethods.Check(status, "shape");
                if (ndim > buf.Length)
                {
                    var large = new long[ndim];
                    fixed (long* b = large) status = NativeMethods.cdt_tensor_shape(HandleFor("shape"), b, ndim, out ndim);
                    GC.KeepAlive(this);
                    NativeMethods.Check(status, "shape");
                    return large;
                }
                GC.KeepAlive(this);
                return buf[..ndim].ToArray();
            }
        }

        public long size(int dim)
        {
            var s = shape;
            var d = dim < 0 ? dim + s.Length : dim;
            if (d < 0 || d >= s.Length) throw new ArgumentOutOfRangeException(nameof(dim), dim, $"torch op 'size': dim out of range for a {s.Length}-d tensor");
            return s[d];
        }

        public long dim() => ReadInfo("dim").Ndim;

        public long numel() => ReadInfo("numel").Numel;

        public ScalarType dtype
        {
            get
            {
                var code = ReadInfo("dtype").Dtype;
                if (code < 0) throw new NotSupportedException("the tensor's dtype has no ScalarType in this binding");
                return (ScalarType)code;
            }
        }

        public Device device
        {
            get
            {
                var info = ReadInfo("device");
                return info.DevType == 0 ? CPU : new Device(DeviceType.CUDA, info.DevIndex);
            }
        }

        /// <summary>Copies all elements (converted to T, row-major) into a new array.</summary>
        public T[] ToArray<T>() where T : unmanaged
        {
            var result = new T[checked((int)numel())];
            CopyTo<T>(result);
            return result;
        }

        /// <summary>Same as <see cref="ToArray{T}"/> (TorchSharp's name).</summary>
        public T[] data<T>() where T : unmanaged => ToArray<T>();

        /// <summary>Copies all elements, converted to T, into destination, whose length must equal numel().</summary>
        public unsafe void CopyTo<T>(Span<T> destination) where T : unmanaged
        {
            int status;
            fixed (T* d = destination)
                status = NativeMethods.cdt_tensor_copy_out(HandleFor("copy_to"), d, destination.Length, (int)DTypeOf<T>());
            GC.KeepAlive(this);
            NativeMethods.Check(status, "copy_to");
        }

        /// <summary>Overwrites all elements from source (converted to this tensor's dtype); no autograd record.</summary>
        public unsafe void CopyFrom<T>(ReadOnlySpan<T> source) where T : unmanaged
        {
            int status;
            fixed (T* s = source)
                status = NativeMethods.cdt_tensor_copy_in(HandleFor("copy_from"), s, source.Length, (int)DTypeOf<T>());
            GC.KeepAlive(this);
            NativeMethods.Check(status, "copy_from");
        }

        /// <summary>The value of a one-element tensor. Through double (or int64 for integer T): exact for float32/16.</summary>
        public T item<T>() where T : unmanaged
        {
            if (typeof(T) == typeof(long) || typeof(T) == typeof(int) || typeof(T) == typeof(bool) || typeof(T) == typeof(byte))
            {
                var s = NativeMethods.cdt_tensor_item_long(HandleFor("item"), out var l);
                GC.KeepAlive(this);
                NativeMethods.Check(s, "item");
                if (typeof(T) == typeof(long)) return (T)(object)l;
                if (typeof(T) == typeof(int)) return (T)(object)checked((int)l);
                if (typeof(T) == typeof(byte)) return (T)(object)checked((byte)l);
                return (T)(object)(l != 0);
            }
            var status = NativeMethods.cdt_tensor_item(HandleFor("item"), out var v);
            GC.KeepAlive(this);
            NativeMethods.Check(status, "item");
            if (typeof(T) == typeof(double)) return (T)(object)v;
            if (typeof(T) == typeof(float)) return (T)(object)(float)v;
            if (typeof(T) == typeof(Half)) return (T)(object)(Half)v;
            throw new NotSupportedException($"item<{typeof(T).Name}> is not supported");
        }

        public Tensor to(ScalarType type) => To((int)type, -1, -1, "to");

        public Tensor to(Device target) => To(-1, (int)target.Type, target.Index, "to");

        public Tensor to(ScalarType type, Device target) => To((int)type, (int)target.Type, target.Index, "to");

        private Tensor To(int dtype, int devType, int devIndex, string op)
        {
            var status = NativeMethods.cdt_tensor_to(HandleFor(op), dtype, devType, devIndex, out var r);
            GC.KeepAlive(this);
            return Result(status, r, op);
        }

        private Tensor Basic(int kind, string op)
        {
            var status = NativeMethods.cdt_tensor_basic(HandleFor(op), kind, out var r);
            GC.KeepAlive(this);
            return Result(status, r, op);
        }

        public Tensor clone() => Basic(0, "clone");

        /// <summary>A new tensor sharing storage, cut from the autograd graph.</summary>
        public Tensor detach() => Basic(1, "detach");

        public Tensor contiguous() => Basic(2, "contiguous");

        /// <summary>A second wrapper over the same libtorch tensor (shares storage and autograd identity).</summary>
        public Tensor alias() => Basic(4, "alias");

        /// <summary>Zeros in place, outside autograd (as parameters' grads are zeroed); returns this.</summary>
        public Tensor zero_()
        {
            var status = NativeMethods.cdt_tensor_basic(HandleFor("zero_"), 3, out _);
            GC.KeepAlive(this);
            NativeMethods.Check(status, "zero_");
            return this;
        }

        /// <summary>Copies src into this tensor in place (broadcasting, converting dtype); returns this.</summary>
        public Tensor copy_(Tensor src)
        {
            var status = NativeMethods.cdt_tensor_copy_(HandleFor("copy_"), HandleOf(src, "copy_"));
            GC.KeepAlive(this);
            GC.KeepAlive(src);
            NativeMethods.Check(status, "copy_");
            return this;
        }
    }
}
