using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace ActorCodistill.Workers.Remote;

/// <summary>Little-endian fixed-layout metadata for bulk messages: a few integers in front of the raw tensor bytes.</summary>
internal sealed class MetadataWriter(int capacity)
{
    private readonly byte[] _buffer = new byte[capacity];
    private int _at;

    public MetadataWriter Int(int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(_at), value);
        _at += 4;
        return this;
    }

    public MetadataWriter Long(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.AsSpan(_at), value);
        _at += 8;
        return this;
    }

    public byte[] ToArray() => _buffer.AsSpan(0, _at).ToArray();
}

/// <summary>Reads what <see cref="MetadataWriter"/> wrote; a short buffer throws <see cref="FormatException"/> naming the message.</summary>
internal ref struct MetadataReader(ReadOnlySpan<byte> span, string message)
{
    private readonly ReadOnlySpan<byte> _span = span;
    private int _at;

    public int Int()
    {
        Need(4);
        var v = BinaryPrimitives.ReadInt32LittleEndian(_span[_at..]);
        _at += 4;
        return v;
    }

    public long Long()
    {
        Need(8);
        var v = BinaryPrimitives.ReadInt64LittleEndian(_span[_at..]);
        _at += 8;
        return v;
    }

    private readonly void Need(int bytes)
    {
        if (_at + bytes > _span.Length) throw new FormatException($"{message}: metadata of {_span.Length} bytes is too short");
    }
}

/// <summary>
/// The bytes of an array of unmanaged values, without a copy: lets an immutable Half[] checkpoint go to the bulk
/// channel as it is.
/// </summary>
internal sealed class ByteView<T>(T[] array, int start, int length) : MemoryManager<byte> where T : unmanaged
{
    /// <summary>The array, when this view covers all of it; else null.</summary>
    public T[]? Whole => start == 0 && length == array.Length ? array : null;

    public static ReadOnlyMemory<byte> Of(ReadOnlyMemory<T> memory)
    {
        if (MemoryMarshal.TryGetArray(memory, out var segment) && segment.Array is { } array)
            return new ByteView<T>(array, segment.Offset, segment.Count).Memory;
        return MemoryMarshal.AsBytes(memory.Span).ToArray();
    }

    public override Span<byte> GetSpan() => MemoryMarshal.AsBytes(array.AsSpan(start, length));

    // Each pin has its own handle, freed when the caller disposes the MemoryHandle.
    public override unsafe MemoryHandle Pin(int elementIndex = 0)
    {
        var handle = GCHandle.Alloc(array, GCHandleType.Pinned);
        var basePointer = (byte*)handle.AddrOfPinnedObject() + start * sizeof(T);
        return new MemoryHandle(basePointer + elementIndex, handle, this);
    }

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
    }
}

internal static class BulkArrays
{
    /// <summary>
    /// A new array of <paramref name="count"/> values as the bytes a transfer of <paramref name="length"/> bytes is
    /// received into (<see cref="ActorCodistill.Cluster.DataPlane.BulkCodec.ReceiveInto"/>): the message keeps the array.
    /// </summary>
    public static Memory<byte> Allocate<T>(int length, int count, string message) where T : unmanaged
    {
        if (count < 0 || (long)count * Marshal.SizeOf<T>() != length)
            throw new FormatException($"{message}: a payload of {length} bytes does not hold the {count} values its metadata announces");
        return new ByteView<T>(GC.AllocateUninitializedArray<T>(count), 0, count).Memory;
    }

    /// <summary>
    /// The payload's values: the array itself when the payload is one <see cref="Allocate{T}"/> made (received straight
    /// into it), else a copy (the payload is a pooled buffer, reused after the call).
    /// </summary>
    public static T[] Own<T>(ReadOnlyMemory<byte> payload, int count, string message) where T : unmanaged
    {
        if (MemoryMarshal.TryGetMemoryManager<byte, ByteView<T>>(payload, out var view, out var start, out var length) &&
            view.Whole is { } array && start == 0 && length == payload.Length && array.Length == count && length == count * Marshal.SizeOf<T>())
            return array;
        return Copy<T>(payload, 0, count, message);
    }

    /// <summary>A new array holding the payload's values; the payload's pooled buffer is reused after the call.</summary>
    public static T[] Copy<T>(ReadOnlyMemory<byte> payload, int offset, int count, string message) where T : unmanaged
    {
        var bytes = count * Marshal.SizeOf<T>();
        if (count < 0 || offset < 0 || offset + bytes > payload.Length)
            throw new FormatException($"{message}: payload of {payload.Length} bytes does not hold {count} values at offset {offset}");
        return MemoryMarshal.Cast<byte, T>(payload.Span.Slice(offset, bytes)).ToArray();
    }
}
