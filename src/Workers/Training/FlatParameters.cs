using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace ActorCodistill.Workers.Training;

/// <summary>
/// A model's parameters (or their gradients) in one fixed order, copied to and from one flat host buffer: what the
/// allreduce averages, what a teacher copy carries (float16), what a replacement worker or a checkpoint restores.
/// The order is <c>named_parameters()</c>'s. CPU float32 tensors are read and written in place through their storage
/// (one vectorised copy per parameter, no per-element managed loop, no temporary tensor); other tensors (CUDA, a
/// bfloat16 teacher replica) go through one host float32 copy each, converted on the way.
/// </summary>
public sealed class FlatParameters
{
    private readonly Tensor[] _tensors;
    private readonly int[] _offsets;

    public FlatParameters(nn.Module module)
        : this(module.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).ToList())
    {
    }

    public FlatParameters(IReadOnlyList<(string Name, Tensor Tensor)> parameters)
    {
        _tensors = parameters.Select(p => p.Tensor).ToArray();
        Names = parameters.Select(p => p.Name).ToArray();
        Shapes = _tensors.Select(t => t.shape).ToArray();
        _offsets = new int[_tensors.Length + 1];
        for (var i = 0; i < _tensors.Length; i++)
        {
            if (!_tensors[i].is_floating_point())
                throw new ArgumentException($"parameter {Names[i]} is {_tensors[i].dtype}; flat buffers hold floating-point parameters");
            _offsets[i + 1] = checked(_offsets[i] + (int)_tensors[i].numel());
        }
    }

    /// <summary>Total number of elements.</summary>
    public int Count => _offsets[^1];
    public IReadOnlyList<string> Names { get; }
    public IReadOnlyList<long[]> Shapes { get; }

    public void ExportParameters(Span<float> destination) => Export(destination, gradients: false);
    public void ImportParameters(ReadOnlySpan<float> source) => Import(source, gradients: false);
    public void ExportGradients(Span<float> destination) => Export(destination, gradients: true);
    public void ImportGradients(ReadOnlySpan<float> source) => Import(source, gradients: true);

    public void ExportParametersHalf(Span<Half> destination)
    {
        CheckLength(destination.Length);
        for (var i = 0; i < _tensors.Length; i++)
        {
            using var host = HostView(_tensors[i], out var values);
            TensorPrimitives.ConvertToHalf(values, destination.Slice(_offsets[i], values.Length));
        }
    }

    public void ImportParametersHalf(ReadOnlySpan<Half> source)
    {
        CheckLength(source.Length);
        for (var i = 0; i < _tensors.Length; i++)
            Write(_tensors[i], source.Slice(_offsets[i], _offsets[i + 1] - _offsets[i]),
                static (from, to) => TensorPrimitives.ConvertToSingle(from, to));
    }

    private void Export(Span<float> destination, bool gradients)
    {
        CheckLength(destination.Length);
        for (var i = 0; i < _tensors.Length; i++)
        {
            var slice = destination.Slice(_offsets[i], _offsets[i + 1] - _offsets[i]);
            if (gradients)
            {
                using var grad = _tensors[i].grad;
                if (grad is null)
                {
                    slice.Clear(); // a parameter the loss did not reach has a zero gradient
                    continue;
                }
                using var host = HostView(grad, out var values);
                values.CopyTo(slice);
            }
            else
            {
                using var host = HostView(_tensors[i], out var values);
                values.CopyTo(slice);
            }
        }
    }

    private void Import(ReadOnlySpan<float> source, bool gradients)
    {
        CheckLength(source.Length);
        for (var i = 0; i < _tensors.Length; i++)
        {
            var slice = source.Slice(_offsets[i], _offsets[i + 1] - _offsets[i]);
            if (!gradients)
            {
                Write(_tensors[i], slice, static (from, to) => from.CopyTo(to));
                continue;
            }
            var grad = _tensors[i].grad;
            if (grad is null)
            {
                using (no_grad()) _tensors[i].grad = zeros_like(_tensors[i]).DetachFromDisposeScope();
                grad = _tensors[i].grad!;
            }
            using (grad) Write(grad, slice, static (from, to) => from.CopyTo(to));
        }
    }

    private delegate void Convert<T>(ReadOnlySpan<T> from, Span<float> to);

    // Writes into the tensor's own storage when it is a contiguous CPU float32 tensor, else through a host copy.
    private static void Write<T>(Tensor target, ReadOnlySpan<T> values, Convert<T> convert)
    {
        if (IsHostFloat(target))
        {
            convert(values, MemoryMarshal.Cast<byte, float>(target.bytes));
            return;
        }
        using var host = empty(target.shape, ScalarType.Float32, CPU);
        convert(values, MemoryMarshal.Cast<byte, float>(host.bytes));
        using (no_grad()) target.copy_(host);
    }

    // The tensor's values as a span: its own storage, or (not CPU, not contiguous) a host copy returned for disposal.
    private static IDisposable? HostView(Tensor t, out ReadOnlySpan<float> values)
    {
        if (IsHostFloat(t))
        {
            values = MemoryMarshal.Cast<byte, float>(t.bytes);
            return null;
        }
        var host = t.detach().to(ScalarType.Float32).cpu().contiguous();
        values = MemoryMarshal.Cast<byte, float>(host.bytes);
        return host;
    }

    private static bool IsHostFloat(Tensor t) =>
        t.device_type == DeviceType.CPU && t.dtype == ScalarType.Float32 && t.is_contiguous();

    private void CheckLength(int length)
    {
        if (length != Count)
            throw new ArgumentException($"a flat buffer of {length} values does not fit these parameters ({Count} values)");
    }
}
