using System.Buffers;
using System.Runtime.InteropServices;

namespace ActorCodistill.Bench.Allreduce;

/// <summary>
/// The bytes of a float array as <see cref="Memory{T}"/> of byte, so the bulk channel sends from and receives
/// into float buffers without a conversion copy. The array is pinned only while the socket holds it.
/// </summary>
internal sealed class FloatBytes(float[] array) : MemoryManager<byte>
{
    public float[] Array { get; } = array;

    public override Span<byte> GetSpan() => MemoryMarshal.AsBytes(Array.AsSpan());

    public override unsafe MemoryHandle Pin(int elementIndex = 0)
    {
        var handle = GCHandle.Alloc(Array, GCHandleType.Pinned);
        var start = (byte*)handle.AddrOfPinnedObject() + elementIndex;
        return new MemoryHandle(start, handle, this);
    }

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
    }

    /// <summary>The bytes of a float memory that wraps a whole array or an array segment.</summary>
    public static ReadOnlyMemory<byte> Of(ReadOnlyMemory<float> floats)
    {
        if (!MemoryMarshal.TryGetArray(floats, out var segment) || segment.Array is null)
            throw new ArgumentException("float memory is not backed by an array", nameof(floats));
        return new FloatBytes(segment.Array).Memory.Slice(segment.Offset * sizeof(float), segment.Count * sizeof(float));
    }

    /// <summary>The writable bytes of a float memory that wraps an array segment (a receive straight into a buffer).</summary>
    public static Memory<byte> OfWritable(Memory<float> floats)
    {
        if (!MemoryMarshal.TryGetArray<float>(floats, out var segment) || segment.Array is null)
            throw new ArgumentException("float memory is not backed by an array", nameof(floats));
        return new FloatBytes(segment.Array).Memory.Slice(segment.Offset * sizeof(float), segment.Count * sizeof(float));
    }
}
