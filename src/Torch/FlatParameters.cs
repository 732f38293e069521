using static ActorCodistill.Torch.torch;

namespace ActorCodistill.Torch;

/// <summary>
/// A fixed, ordered list of tensors (a module's parameters in named_parameters order, or any list) viewed as one
/// flat vector for exchange between workers: parameters or their gradients are copied to and from one contiguous
/// float32 or float16 host buffer in a single native call (one vectorised copy per tensor, no per-element managed
/// loop). Element i of the buffer is element (i - offset_k) of tensor k in row-major order, offset_k being the total
/// size of the tensors before it. The tensors are borrowed: keep them alive while this object is used.
/// </summary>
public sealed class FlatParameters
{
    private readonly Tensor[] _tensors;
    private readonly IntPtr[] _handles;

    /// <summary>The module's parameters in named_parameters order.</summary>
    public FlatParameters(nn.Module module)
        : this(module?.named_parameters().ToList() ?? throw new ArgumentNullException(nameof(module)))
    {
    }

    public FlatParameters(IReadOnlyList<(string name, Tensor tensor)> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        Names = tensors.Select(t => t.name).ToArray();
        _tensors = tensors.Select(t => t.tensor).ToArray();
        _handles = new IntPtr[_tensors.Length];
        var shapes = new List<long[]>();
        long count = 0;
        foreach (var t in _tensors)
        {
            var shape = t.shape;
            shapes.Add(shape);
            count += shape.Aggregate(1L, (a, b) => a * b);
        }
        Shapes = shapes;
        Count = count;
    }

    /// <summary>Total number of elements: the length a buffer must have.</summary>
    public long Count { get; }

    public IReadOnlyList<string> Names { get; }

    public IReadOnlyList<long[]> Shapes { get; }

    public void ExportParameters(Span<float> buffer) => Copy(buffer, grads: false, export: true);

    public void ImportParameters(ReadOnlySpan<float> buffer) => Copy(buffer, grads: false, export: false);

    public void ExportParametersHalf(Span<Half> buffer) => Copy(buffer, grads: false, export: true);

    public void ImportParametersHalf(ReadOnlySpan<Half> buffer) => Copy(buffer, grads: false, export: false);

    /// <summary>
    /// Writes every gradient; a tensor with no gradient yet is written as zeros, a sparse gradient (nn.Embedding(sparse:
    /// true)) as its dense equivalent (duplicate rows summed). The gradients themselves are left as they are.
    /// </summary>
    public void ExportGradients(Span<float> buffer) => Copy(buffer, grads: true, export: true);

    /// <summary>
    /// Overwrites every gradient (creating missing ones), e.g. with an averaged gradient. A sparse gradient is replaced
    /// by a dense one: an average over workers touches the union of their rows, and the optimizers take either layout.
    /// </summary>
    public void ImportGradients(ReadOnlySpan<float> buffer) => Copy(buffer, grads: true, export: false);

    public void ExportGradientsHalf(Span<Half> buffer) => Copy(buffer, grads: true, export: true);

    public void ImportGradientsHalf(ReadOnlySpan<Half> buffer) => Copy(buffer, grads: true, export: false);

    /// <summary>Raw bytes: 4 per element for float32, 2 for float16 (little-endian, as on the wire).</summary>
    public void Export(Span<byte> buffer, ScalarType dtype, bool gradients = false) => CopyBytes(buffer, dtype, gradients, export: true);

    public void Import(ReadOnlySpan<byte> buffer, ScalarType dtype, bool gradients = false) => CopyBytes(buffer, dtype, gradients, export: false);

    private unsafe void Copy<T>(ReadOnlySpan<T> buffer, bool grads, bool export) where T : unmanaged
    {
        var dtype = typeof(T) == typeof(float) ? ScalarType.Float32 : ScalarType.Float16;
        CheckLength(buffer.Length, dtype, grads);
        fixed (T* p = buffer) Native(p, dtype, grads, export);
    }

    private unsafe void Copy<T>(Span<T> buffer, bool grads, bool export) where T : unmanaged => Copy((ReadOnlySpan<T>)buffer, grads, export);

    private unsafe void CopyBytes(ReadOnlySpan<byte> buffer, ScalarType dtype, bool grads, bool export)
    {
        var size = dtype switch
        {
            ScalarType.Float32 => 4,
            ScalarType.Float16 => 2,
            _ => throw new ArgumentException($"FlatParameters: buffer dtype must be Float32 or Float16, not {dtype}", nameof(dtype)),
        };
        if (buffer.Length % size != 0)
            throw new ArgumentException($"FlatParameters: a {dtype} buffer of {buffer.Length} bytes is not a whole number of elements", nameof(buffer));
        CheckLength(buffer.Length / size, dtype, grads);
        fixed (byte* p = buffer) Native(p, dtype, grads, export);
    }

    private void CheckLength(long length, ScalarType dtype, bool grads)
    {
        if (length != Count)
            throw new ArgumentException(
                $"FlatParameters: the {dtype} buffer has {length} elements but the {_tensors.Length} {(grads ? "gradients" : "parameters")} hold {Count} "
                + $"({string.Join(", ", Names.Zip(Shapes, (n, s) => $"{n} [{string.Join("x", s)}]").Take(4))}{(_tensors.Length > 4 ? ", ..." : "")})",
                "buffer");
    }

    private unsafe void Native(void* buffer, ScalarType dtype, bool grads, bool export)
    {
        var op = $"FlatParameters.{(export ? "Export" : "Import")}{(grads ? "Gradients" : "Parameters")}";
        lock (_handles)
        {
            for (var i = 0; i < _tensors.Length; i++) _handles[i] = _tensors[i].HandleFor(op);
            var sparse = grads ? SparseGradients(op) : null;
            if (sparse is not null && export)
            {
                ExportWithSparse(buffer, dtype, sparse, op);
                return;
            }
            if (sparse is not null)
            {
                // The flat copy writes into a gradient in place; a sparse one is dropped so it is recreated dense.
                for (var i = 0; i < _tensors.Length; i++)
                    if (sparse[i] != 0) _tensors[i].grad = null;
            }
            var status = NativeMethods.cdt_flat_copy(_handles, _handles.Length, grads ? 1 : 0, export ? 0 : 1, buffer, Count, (int)dtype);
            GC.KeepAlive(_tensors);
            NativeMethods.Check(status, op);
        }
    }

    /// <summary>Per tensor, 1 when its gradient is sparse; null when none is (the common case: one native call).</summary>
    private int[]? SparseGradients(string op)
    {
        var flags = new int[_handles.Length];
        var status = NativeMethods.cdt_sparse_grad_flags(_handles, _handles.Length, flags, out var any);
        GC.KeepAlive(_tensors);
        NativeMethods.Check(status, op);
        return any != 0 ? flags : null;
    }

    /// <summary>
    /// Export when some gradients are sparse: runs of dense gradients go through one flat copy each, every sparse
    /// gradient is densified into a temporary and copied into its own slice, so the buffer layout is unchanged.
    /// </summary>
    private unsafe void ExportWithSparse(void* buffer, ScalarType dtype, int[] sparse, string op)
    {
        var elementSize = dtype == ScalarType.Float32 ? 4 : 2;
        var bytes = (byte*)buffer;
        long offset = 0;
        var start = 0;
        while (start < _tensors.Length)
        {
            var end = start;
            long count = 0;
            while (end < _tensors.Length && (sparse[end] != 0) == (sparse[start] != 0))
                count += Elements(Shapes[end++]);
            if (sparse[start] == 0)
            {
                var status = NativeMethods.cdt_flat_copy(_handles[start..end], end - start, 1, 0, bytes + offset * elementSize, count, (int)dtype);
                GC.KeepAlive(_tensors);
                NativeMethods.Check(status, op);
            }
            else
            {
                long slice = offset;
                for (var i = start; i < end; i++)
                {
                    using var grad = _tensors[i].grad ?? throw new InvalidOperationException($"{op}: gradient of '{Names[i]}' vanished during the export");
                    using var dense = grad.to_dense();
                    var status = NativeMethods.cdt_flat_copy(new[] { dense.HandleFor(op) }, 1, 0, 0, bytes + slice * elementSize, Elements(Shapes[i]), (int)dtype);
                    GC.KeepAlive(dense);
                    NativeMethods.Check(status, op);
                    slice += Elements(Shapes[i]);
                }
            }
            offset += count;
            start = end;
        }
    }

    private static long Elements(long[] shape) => shape.Aggregate(1L, (a, b) => a * b);
}
