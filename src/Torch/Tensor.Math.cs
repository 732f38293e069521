// TorchSharp-shaped lower-case type names (torch, nn, functional) are deliberate.
#pragma warning disable CS8981
using N = ActorCodistill.Torch.NativeMethods;

namespace ActorCodistill.Torch;

public static partial class torch
{
    public sealed partial class Tensor
    {
        // Scalars travel as double: exact for every float32/float16 value and for integers up to 2^53.
        private Tensor Binary(int code, Tensor other, string op)
        {
            var status = N.cdt_binary(code, HandleFor(op), HandleOf(other, op), out var r);
            GC.KeepAlive(this);
            GC.KeepAlive(other);
            return Result(status, r, op);
        }

        private Tensor Scalar(int code, double value, string op)
        {
            var status = N.cdt_binary_scalar(code, HandleFor(op), value, out var r);
            GC.KeepAlive(this);
            return Result(status, r, op);
        }

        private Tensor InPlace(int code, Tensor? other, double value, string op)
        {
            var status = N.cdt_binary_(code, HandleFor(op), other is null ? IntPtr.Zero : other.HandleFor(op), value);
            GC.KeepAlive(this);
            GC.KeepAlive(other);
            N.Check(status, op);
            return this;
        }

        private Tensor Unary(int code, string op)
        {
            var status = N.cdt_unary(code, HandleFor(op), out var r);
            GC.KeepAlive(this);
            return Result(status, r, op);
        }

        private Tensor DimOp(int code, long dim, bool flag, string op)
        {
            var status = N.cdt_dim_op(code, HandleFor(op), dim, flag ? 1 : 0, out var r);
            GC.KeepAlive(this);
            return Result(status, r, op);
        }

        public Tensor add(Tensor other) => Binary(N.OpAdd, other, "add");
        public Tensor add(double other) => Scalar(N.OpAdd, other, "add");
        public Tensor sub(Tensor other) => Binary(N.OpSub, other, "sub");
        public Tensor sub(double other) => Scalar(N.OpSub, other, "sub");
        public Tensor mul(Tensor other) => Binary(N.OpMul, other, "mul");
        public Tensor mul(double other) => Scalar(N.OpMul, other, "mul");
        public Tensor div(Tensor other) => Binary(N.OpDiv, other, "div");
        public Tensor div(double other) => Scalar(N.OpDiv, other, "div");
        public Tensor matmul(Tensor other) => Binary(N.OpMatmul, other, "matmul");
        public Tensor pow(Tensor exponent) => Binary(N.OpPow, exponent, "pow");
        public Tensor pow(double exponent) => Scalar(N.OpPow, exponent, "pow");
        public Tensor maximum(Tensor other) => Binary(N.OpMaximum, other, "maximum");
        public Tensor minimum(Tensor other) => Binary(N.OpMinimum, other, "minimum");

        public Tensor add_(Tensor other) => InPlace(N.OpAdd, other, 0, "add_");
        public Tensor add_(double other) => InPlace(N.OpAdd, null, other, "add_");
        public Tensor sub_(Tensor other) => InPlace(N.OpSub, other, 0, "sub_");
        public Tensor sub_(double other) => InPlace(N.OpSub, null, other, "sub_");
        public Tensor mul_(Tensor other) => InPlace(N.OpMul, other, 0, "mul_");
        public Tensor mul_(double other) => InPlace(N.OpMul, null, other, "mul_");
        public Tensor div_(Tensor other) => InPlace(N.OpDiv, other, 0, "div_");
        public Tensor div_(double other) => InPlace(N.OpDiv, null, other, "div_");

        // Comparisons give bool tensors.
        public Tensor eq(Tensor other) => Binary(N.OpEq, other, "eq");
        public Tensor eq(double other) => Scalar(N.OpEq, other, "eq");
        public Tensor ne(Tensor other) => Binary(N.OpNe, other, "ne");
        public Tensor ne(double other) => Scalar(N.OpNe, other, "ne");
        public Tensor gt(Tensor other) => Binary(N.OpGt, other, "gt");
        public Tensor gt(double other) => Scalar(N.OpGt, other, "gt");
        public Tensor lt(Tensor other) => Binary(N.OpLt, other, "lt");
        public Tensor lt(double other) => Scalar(N.OpLt, other, "lt");
        public Tensor ge(Tensor other) => Binary(N.OpGe, other, "ge");
        public Tensor ge(double other) => Scalar(N.OpGe, other, "ge");
        public Tensor le(Tensor other) => Binary(N.OpLe, other, "le");
        public Tensor le(double other) => Scalar(N.OpLe, other, "le");

        public Tensor neg() => Unary(N.UNeg, "neg");
        public Tensor relu() => Unary(N.URelu, "relu");
        public Tensor tanh() => Unary(N.UTanh, "tanh");
        public Tensor sigmoid() => Unary(N.USigmoid, "sigmoid");
        public Tensor exp() => Unary(N.UExp, "exp");
        public Tensor log() => Unary(N.ULog, "log");
        public Tensor sqrt() => Unary(N.USqrt, "sqrt");
        public Tensor abs() => Unary(N.UAbs, "abs");
        public Tensor square() => Unary(N.USquare, "square");

        public Tensor clamp(double? min = null, double? max = null)
        {
            var status = N.cdt_clamp(HandleFor("clamp"), min ?? 0, min.HasValue ? 1 : 0, max ?? 0, max.HasValue ? 1 : 0, out var r);
            GC.KeepAlive(this);
            return Result(status, r, "clamp");
        }

        public Tensor softmax(long dim) => DimOp(N.DSoftmax, dim, false, "softmax");
        public Tensor log_softmax(long dim) => DimOp(N.DLogSoftmax, dim, false, "log_softmax");
        public Tensor argmax(long dim, bool keepdim = false) => DimOp(N.DArgmax, dim, keepdim, "argmax");

        /// <summary>Sum of all elements (0-d tensor).</summary>
        public Tensor sum() => Unary(N.USum, "sum");
        public Tensor sum(long[] dims, bool keepdim = false) => Reduce(0, dims, keepdim, "sum");
        public Tensor sum(long dim, bool keepdim = false) => Reduce(0, [dim], keepdim, "sum");

        /// <summary>Mean of all elements (0-d tensor).</summary>
        public Tensor mean() => Unary(N.UMean, "mean");
        public Tensor mean(long[] dims, bool keepdim = false) => Reduce(1, dims, keepdim, "mean");
        public Tensor mean(long dim, bool keepdim = false) => Reduce(1, [dim], keepdim, "mean");

        public Tensor max() => Unary(N.UMax, "max");
        public Tensor min() => Unary(N.UMin, "min");

        private unsafe Tensor Reduce(int code, ReadOnlySpan<long> dims, bool keepdim, string op)
        {
            int status;
            IntPtr r;
            fixed (long* d = dims) status = N.cdt_reduce(code, HandleFor(op), d, dims.Length, keepdim ? 1 : 0, out r);
            GC.KeepAlive(this);
            return Result(status, r, op);
        }

        /// <summary>|this - other| &lt;= atol + rtol * |other| elementwise (PyTorch's allclose).</summary>
        public bool allclose(Tensor other, double rtol = 1e-5, double atol = 1e-8, bool equal_nan = false)
        {
            var status = N.cdt_allclose(HandleFor("allclose"), HandleOf(other, "allclose"), rtol, atol, equal_nan ? 1 : 0, out var result);
            GC.KeepAlive(this);
            GC.KeepAlive(other);
            N.Check(status, "allclose");
            return result != 0;
        }

        public static Tensor operator +(Tensor a, Tensor b) => a.add(b);
        public static Tensor operator +(Tensor a, double b) => a.add(b);
        public static Tensor operator +(double a, Tensor b) => b.add(a);
        public static Tensor operator -(Tensor a, Tensor b) => a.sub(b);
        public static Tensor operator -(Tensor a, double b) => a.sub(b);
        public static Tensor operator -(double a, Tensor b) => b.Scalar(N.OpRsub, a, "rsub");
        public static Tensor operator *(Tensor a, Tensor b) => a.mul(b);
        public static Tensor operator *(Tensor a, double b) => a.mul(b);
        public static Tensor operator *(double a, Tensor b) => b.mul(a);
        public static Tensor operator /(Tensor a, Tensor b) => a.div(b);
        public static Tensor operator /(Tensor a, double b) => a.div(b);
        public static Tensor operator /(double a, Tensor b) => b.Scalar(N.OpRdiv, a, "rdiv");
        public static Tensor operator -(Tensor a) => a.neg();
    }
}
