using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ActorCodistill.Workers.Training;

/// <summary>One chunk (or one segment of a chunk) travelling from a member to its successor on the ring.</summary>
/// <param name="Phase">0 .. 2(M-1)-1: the first M-1 phases reduce-scatter, the rest all-gather.</param>
/// <param name="Chunk">Which of the M chunks of the buffer this is.</param>
public sealed record RingChunk(int Phase, int Chunk, ReadOnlyMemory<float> Data)
{
    /// <summary>Which segment of the chunk this is; always 0 when chunks travel whole.</summary>
    public int Segment { get; init; }
}

/// <summary>
/// Ring allreduce (reduce-scatter then all-gather) of one float buffer as a pure state machine, so the
/// same code runs over actor messages in one process and over the bulk channel between nodes.
/// Each member sends 2(M-1) chunks of about L/M floats to its successor and receives as many from its
/// predecessor: 2(M-1)/M x L floats per member, independent of M (the bandwidth-optimal schedule).
/// <para>
/// Schedule (rank r, M members, chunk indices mod M): in reduce-scatter phase s, r sends chunk r-s and
/// adds the incoming chunk r-s-1 into its own; after M-1 phases r holds the full sum of chunk r+1. In
/// all-gather phase s, r sends chunk r+1-s and overwrites chunk r-s with the incoming one. The chunk a
/// member receives in phase p is the one it forwards in phase p+1.
/// </para>
/// <para>
/// Segmented variant: every chunk is split into <see cref="SegmentsPerChunk"/> segments that move through the
/// phases independently, so a member forwards segment k of phase p+1 as soon as segment k of phase p arrived
/// instead of waiting for the whole chunk (store-and-forward of one segment, not of L/M floats). Segments arrive
/// in order, phase-major: a FIFO link preserves that because each member emits phase p+1 segments in the order
/// it received phase p segments, after all of its phase 0 segments.
/// </para>
/// <para>
/// Averaging: the member that completes the sum of a chunk scales it by 1/M before the all-gather forwards it,
/// so every member ends with the same bits as scaling the full sum and no extra pass over the buffer is needed.
/// </para>
/// </summary>
public sealed class RingAllreduce
{
    private readonly float[] _buffer;
    private readonly bool _copyOutgoing;
    private int _received;

    /// <summary>Whole chunks, each outgoing chunk a copy (safe to put in an immutable message).</summary>
    public RingAllreduce(int rank, int size, float[] buffer, bool average = true)
        : this(rank, size, buffer, average, int.MaxValue, copyOutgoing: true)
    {
    }

    /// <summary>
    /// Chunks split into segments of at most <paramref name="segmentFloats"/> floats (fewer, never empty ones, when
    /// chunks are short). With <paramref name="copyOutgoing"/> false an outgoing segment's data is a view of
    /// <paramref name="buffer"/> (zero copy): the member never writes that region again before it receives the
    /// region's all-gather data, which cannot exist before the successor has received the view's contents, so a
    /// transport that finishes reading a send before its peer can see it (any socket) may send straight from it.
    /// Never keep such a view in a message that outlives the send.
    /// </summary>
    public RingAllreduce(int rank, int size, float[] buffer, bool average, int segmentFloats, bool copyOutgoing)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (size < 1) throw new ArgumentOutOfRangeException(nameof(size), size, "a ring needs at least one member");
        if ((uint)rank >= (uint)size) throw new ArgumentOutOfRangeException(nameof(rank), rank, $"rank must be in [0, {size})");
        if (segmentFloats < 1) throw new ArgumentOutOfRangeException(nameof(segmentFloats), segmentFloats, "a segment holds at least one float");
        Rank = rank;
        Size = size;
        Average = average;
        _buffer = buffer;
        _copyOutgoing = copyOutgoing;
        SegmentsPerChunk = SegmentCount(size, buffer.Length, segmentFloats);
    }

    public int Rank { get; }
    public int Size { get; }
    public bool Average { get; }
    public int Phases => 2 * (Size - 1);
    /// <summary>Segments per chunk, the same for every chunk; 1 when chunks travel whole.</summary>
    public int SegmentsPerChunk { get; }
    public bool IsComplete { get; private set; }
    /// <summary>Floats this member has sent so far (for the bytes-on-the-wire accounting).</summary>
    public long FloatsSent { get; private set; }

    /// <summary>The chunk boundaries: chunk c covers [Start(c), Start(c+1)); sizes differ by at most one.</summary>
    public static int ChunkStart(int chunk, int size, int length) => (int)((long)chunk * length / size);

    /// <summary>
    /// Segments per chunk for segments of at most <paramref name="segmentFloats"/>: enough that the longest chunk's
    /// segments fit, but no more than the shortest chunk has floats, so no segment is empty (unless chunks are).
    /// </summary>
    public static int SegmentCount(int size, int length, int segmentFloats)
    {
        var shortest = length / size;
        if (shortest == 0) return 1;
        var longest = (length + size - 1) / size;
        var needed = (int)(((long)longest + segmentFloats - 1) / segmentFloats);
        return Math.Min(needed, shortest);
    }

    private int Mod(int x) => ((x % Size) + Size) % Size;

    /// <summary>Where segment <paramref name="segment"/> of <paramref name="chunk"/> lies in the buffer.</summary>
    private (int Start, int Length) Range(int chunk, int segment)
    {
        var chunkStart = ChunkStart(chunk, Size, _buffer.Length);
        var chunkLength = ChunkStart(chunk + 1, Size, _buffer.Length) - chunkStart;
        var start = chunkStart + ChunkStart(segment, SegmentsPerChunk, chunkLength);
        var end = chunkStart + ChunkStart(segment + 1, SegmentsPerChunk, chunkLength);
        return (start, end - start);
    }

    private int SentChunk(int phase) => phase < Size - 1 ? Mod(Rank - phase) : Mod(Rank + 1 - (phase - (Size - 1)));

    private int ReceivedChunk(int phase) => phase < Size - 1 ? Mod(Rank - phase - 1) : Mod(Rank - (phase - (Size - 1)));

    private RingChunk Outgoing(int phase, int segment)
    {
        var chunk = SentChunk(phase);
        var (start, length) = Range(chunk, segment);
        // A copy unless the caller asked for views: the chunk leaves this member while the buffer keeps changing.
        ReadOnlyMemory<float> data = _copyOutgoing ? _buffer.AsSpan(start, length).ToArray() : _buffer.AsMemory(start, length);
        FloatsSent += length;
        return new RingChunk(phase, chunk, data) { Segment = segment };
    }

    /// <summary>Starts the exchange: the chunk to send first, or null when alone (then already complete).</summary>
    public RingChunk? Start()
    {
        if (SegmentsPerChunk != 1)
            throw new InvalidOperationException($"rank {Rank}: chunks travel in {SegmentsPerChunk} segments; start with {nameof(StartSegments)}");
        if (Size == 1)
        {
            Complete();
            return null;
        }
        return Outgoing(0, 0);
    }

    /// <summary>Starts the exchange: every segment of phase 0 in order, or none when alone (then already complete).</summary>
    public IReadOnlyList<RingChunk> StartSegments()
    {
        if (Size == 1)
        {
            Complete();
            return [];
        }
        var first = new RingChunk[SegmentsPerChunk];
        for (var segment = 0; segment < first.Length; segment++) first[segment] = Outgoing(0, segment);
        return first;
    }

    /// <summary>
    /// Where an all-gather segment may be received in place: a view of the buffer that <see cref="OnReceive"/>
    /// then accepts without copying. Depends only on the constructor's arguments, so a transport thread may ask
    /// while the member is busy; the region is not touched by this member between its own reduce-scatter send of
    /// it and the arrival of this segment.
    /// </summary>
    public Memory<float> GatherDestination(int phase, int segment)
    {
        if (phase < Size - 1 || phase >= Phases)
            throw new ArgumentOutOfRangeException(nameof(phase), phase, $"rank {Rank}: all-gather phases are {Size - 1} .. {Phases - 1}");
        if ((uint)segment >= (uint)SegmentsPerChunk)
            throw new ArgumentOutOfRangeException(nameof(segment), segment, $"rank {Rank}: segments are 0 .. {SegmentsPerChunk - 1}");
        var (start, length) = Range(ReceivedChunk(phase), segment);
        return _buffer.AsMemory(start, length);
    }

    /// <summary>Applies the predecessor's chunk or segment; returns the next one to send, or null when nothing follows from it.</summary>
    public RingChunk? OnReceive(RingChunk incoming)
    {
        ArgumentNullException.ThrowIfNull(incoming);
        if (OutOfOrder(incoming) is { } reason) throw new InvalidOperationException(reason);
        var phase = _received / SegmentsPerChunk;
        var segment = _received % SegmentsPerChunk;
        var (start, length) = Range(incoming.Chunk, segment);
        if (incoming.Data.Length != length)
            throw new InvalidOperationException($"rank {Rank}: chunk {incoming.Chunk} segment {segment} has {incoming.Data.Length} floats, expected {length}");

        var target = _buffer.AsSpan(start, length);
        var source = incoming.Data.Span;
        var inPlace = length > 0 && Unsafe.AreSame(ref MemoryMarshal.GetReference(source), ref MemoryMarshal.GetReference(target));
        if (phase < Size - 1)
        {
            if (inPlace) throw new InvalidOperationException($"rank {Rank}: reduce-scatter phase {phase} data cannot be received in place");
            TensorPrimitives.Add(target, source, target);
            // The last reduce-scatter phase completes this member's chunk: scale it once, before all-gather spreads it.
            if (phase == Size - 2 && Average) TensorPrimitives.Multiply(target, 1f / Size, target);
        }
        else if (!inPlace) source.CopyTo(target);

        _received++;
        if (_received == Phases * SegmentsPerChunk)
        {
            Complete();
            return null;
        }
        return phase + 1 < Phases ? Outgoing(phase + 1, segment) : null;
    }

    /// <summary>
    /// Why <paramref name="incoming"/> is not the phase, segment and chunk this member must receive next (a chunk
    /// before it was lost, or the allreduce is complete), or null when it is. <see cref="OnReceive"/> throws with it.
    /// </summary>
    public string? OutOfOrder(RingChunk incoming)
    {
        ArgumentNullException.ThrowIfNull(incoming);
        if (IsComplete) return $"rank {Rank}: allreduce already complete, got phase {incoming.Phase}";
        var phase = _received / SegmentsPerChunk;
        var segment = _received % SegmentsPerChunk;
        if (incoming.Phase != phase) return $"rank {Rank}: expected phase {phase}, got {incoming.Phase}";
        if (incoming.Segment != segment) return $"rank {Rank}: phase {phase} expected segment {segment}, got {incoming.Segment}";
        var expectedChunk = ReceivedChunk(phase);
        return incoming.Chunk != expectedChunk ? $"rank {Rank}: phase {phase} expected chunk {expectedChunk}, got {incoming.Chunk}" : null;
    }

    private void Complete() => IsComplete = true;
}
