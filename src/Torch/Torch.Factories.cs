// TorchSharp-shaped lower-case type names (torch, nn, functional) are deliberate.
#pragma warning disable CS8981
namespace ActorCodistill.Torch;

public static partial class torch
{
    // Tensors from managed data. shape null means 1-D of the data's length. The data is copied once
    // into a CPU tensor of the data's element type, then converted to dtype/device if they differ.
    public static Tensor tensor(ReadOnlySpan<float> data, long[]? shape = null, ScalarType? dtype = null, Device? device = null, bool requires_grad = false)
        => FromSpan(data, shape, dtype, device, requires_grad);

    public static Tensor tensor(ReadOnlySpan<double> data, long[]? shape = null, ScalarType? dtype = null, Device? device = null, bool requires_grad = false)
        => FromSpan(data, shape, dtype, device, requires_grad);

    public static Tensor tensor(ReadOnlySpan<Half> data, long[]? shape = null, ScalarType? dtype = null, Device? device = null, bool requires_grad = false)
        => FromSpan(data, shape, dtype, device, requires_grad);

    public static Tensor tensor(ReadOnlySpan<long> data, long[]? shape = null, ScalarType? dtype = null, Device? device = null, bool requires_grad = false)
        => FromSpan(data, shape, dtype, device, requires_grad);

    public static Tensor tensor(ReadOnlySpan<int> data, long[]? shape = null, ScalarType? dtype = null, Device? device = null, bool requires_grad = false)
        => FromSpan(data, shape, dtype, device, requires_grad);

    public static Tensor tensor(ReadOnlySpan<bool> data, long[]? shape = null, ScalarType? dtype = null, Device? device = null, bool requires_grad = false)
        => FromSpan(data, shape, dtype, device, requires_grad);

    /// <summary>A 0-dimensional tensor holding one value.</summary>
    public static Tensor scalar_tensor(double value, ScalarType dtype = ScalarType.Float32, Device? device = null, bool requires_grad = false)
        => Factory(3, [], value, 0, 0, dtype, device, requires_grad, "scalar_tensor");

    private static unsafe Tensor FromSpan<T>(ReadOnlySpan<T> data, long[]? shape, ScalarType? dtype, Device? device, bool requiresGrad)
        where T : unmanaged
    {
        var source = DTypeOf<T>();
        var dev = device ?? CPU;
        ReadOnlySpan<long> dims = shape ?? [data.Length];
        int status;
        IntPtr result;
        fixed (T* d = data)
        fixed (long* s = dims)
            status = NativeMethods.cdt_tensor_from_data(d, data.Length, (int)source, s, dims.Length, (int)(dtype ?? source),
                (int)dev.Type, dev.Index, requiresGrad ? 1 : 0, out result);
        return Tensor.Result(status, result, "tensor");
    }

    public static Tensor empty(params long[] size) => empty(size, null);
    public static Tensor empty(long[] size, ScalarType? dtype = null, Device? device = null, bool requires_grad = false)
        => Factory(0, size, 0, 0, 0, dtype, device, requires_grad, "empty");

    public static Tensor zeros(params long[] size) => zeros(size, null);
    public static Tensor zeros(long[] size, ScalarType? dtype = null, Device? device = null, bool requires_grad = false)
        => Factory(1, size, 0, 0, 0, dtype, device, requires_grad, "zeros");

    public static Tensor ones(params long[] size) => ones(size, null);
    public static Tensor ones(long[] size, ScalarType? dtype = null, Device? device = null, bool requires_grad = false)
        => Factory(2, size, 0, 0, 0, dtype, device, requires_grad, "ones");

    public static Tensor full(long[] size, double value, ScalarType? dtype = null, Device? device = null, bool requires_grad = false)
        => Factory(3, size, value, 0, 0, dtype, device, requires_grad, "full");

    /// <summary>Standard normal draws from libtorch's generator (seed with <see cref="manual_seed"/>).</summary>
    public static Tensor randn(params long[] size) => randn(size, null);
    public static Tensor randn(long[] size, ScalarType? dtype = null, Device? device = null, bool requires_grad = false)
        => Factory(4, size, 0, 0, 0, dtype, device, requires_grad, "randn");

    /// <summary>Uniform draws in [0, 1).</summary>
    public static Tensor rand(params long[] size) => rand(size, null);
    public static Tensor rand(long[] size, ScalarType? dtype = null, Device? device = null, bool requires_grad = false)
        => Factory(5, size, 0, 0, 0, dtype, device, requires_grad, "rand");

    /// <summary>Integers uniform in [low, high); int64 unless dtype says otherwise.</summary>
    public static Tensor randint(long low, long high, long[] size, ScalarType? dtype = null, Device? device = null)
        => Factory(6, size, 0, low, high, dtype ?? ScalarType.Int64, device, false, "randint");

    public static Tensor arange(double start, double end, double step = 1, ScalarType? dtype = null, Device? device = null)
    {
        var dev = device ?? CPU;
        // PyTorch infers int64 when every bound is integral; keep that so indices come out as int64.
        var inferred = start == Math.Floor(start) && end == Math.Floor(end) && step == Math.Floor(step) ? ScalarType.Int64 : ScalarType.Float32;
        var status = NativeMethods.cdt_tensor_arange(start, end, step, (int)(dtype ?? inferred), (int)dev.Type, dev.Index, out var result);
        return Tensor.Result(status, result, "arange");
    }

    public static Tensor arange(long end) => arange(0, end);

    private static unsafe Tensor Factory(int kind, ReadOnlySpan<long> size, double value, long low, long high,
        ScalarType? dtype, Device? device, bool requiresGrad, string op)
    {
        var dev = device ?? CPU;
        int status;
        IntPtr result;
        fixed (long* s = size)
            status = NativeMethods.cdt_tensor_factory(kind, s, size.Length, value, low, high, (int)(dtype ?? ScalarType.Float32),
                (int)dev.Type, dev.Index, requiresGrad ? 1 : 0, out result);
        return Tensor.Result(status, result, op);
    }
}
