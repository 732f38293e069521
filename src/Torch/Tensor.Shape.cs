// TorchSharp-shaped lower-case type names (torch, nn, functional) are deliberate.
#pragma warning disable CS8981
using N = ActorCodistill.Torch.NativeMethods;

namespace ActorCodistill.Torch;

public static partial class torch
{
    public sealed partial class Tensor
    {
        private unsafe Tensor ShapeOp(int code, ReadOnlySpan<long> dims, string op)
        {
            int status;
            IntPtr r;
            fixed (long* d = dims) status = N.cdt_shape_op(code, HandleFor(op), d, dims.Length, out r);
            GC.KeepAlive(this);
            return Result(status, r, op);
        }

        private Tensor TwoDim(int code, long a, long b, string op)
        {
            var status = N.cdt_two_dim_op(code, HandleFor(op), a, b, out var r);
            GC.KeepAlive(this);
            return Result(status, r, op);
        }

        public Tensor reshape(params long[] shape) => ShapeOp(N.SReshape, shape, "reshape");

        /// <summary>A view with the given shape; fails (naming 'view') when the strides do not allow it.</summary>
        public Tensor view(params long[] shape) => ShapeOp(N.SView, shape, "view");

        public Tensor permute(params long[] dims) => ShapeOp(N.SPermute, dims, "permute");

        public Tensor expand(params long[] shape) => ShapeOp(N.SExpand, shape, "expand");

        public Tensor transpose(long dim0, long dim1) => TwoDim(0, dim0, dim1, "transpose");

        /// <summary>Transpose of a 2-d tensor.</summary>
        public Tensor t() => TwoDim(0, 0, 1, "t");

        public Tensor flatten(long start_dim = 0, long end_dim = -1) => TwoDim(1, start_dim, end_dim, "flatten");

        public Tensor unsqueeze(long dim) => DimOp(N.DUnsqueeze, dim, false, "unsqueeze");

        public Tensor squeeze(long dim) => DimOp(N.DSqueeze, dim, false, "squeeze");

        public Tensor squeeze() => DimOp(N.DSqueezeAll, 0, false, "squeeze");

        /// <summary>Elements start, start+step, ... below end along dim (a view; end is clamped like Python slicing).</summary>
        public Tensor slice(long dim, long start, long end, long step = 1)
        {
            var status = N.cdt_slice(HandleFor("slice"), dim, start, end, step, out var r);
            GC.KeepAlive(this);
            return Result(status, r, "slice");
        }

        public Tensor narrow(long dim, long start, long length)
        {
            var status = N.cdt_narrow(HandleFor("narrow"), dim, start, length, out var r);
            GC.KeepAlive(this);
            return Result(status, r, "narrow");
        }

        /// <summary>Rows (along dim) picked by an int64 index tensor, copied.</summary>
        public Tensor index_select(long dim, Tensor index)
        {
            var status = N.cdt_index_select(HandleFor("index_select"), dim, HandleOf(index, "index_select"), out var r);
            GC.KeepAlive(this);
            GC.KeepAlive(index);
            return Result(status, r, "index_select");
        }
    }
}
