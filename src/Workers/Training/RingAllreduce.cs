using System.Numerics.Tensors;

namespace ActorCodistill.Workers.Training;

/// <summary>One chunk travelling from a member to its successor on the ring.</summary>
/// <param name="Phase">0 .. 2(M-1)-1: the first M-1 phases reduce-scatter, the rest all-gather.</param>
/// <param name="Chunk">Which of the M chunks of the buffer this is.</param>
public sealed record RingChunk(int Phase, int Chunk, ReadOnlyMemory<float> Data);

/// <summary>
/// Ring allreduce (reduce-scatter then all-gather) of one float buffer as a pure state machine, so the
/// same code runs over actor messages in one process and over the bulk channel between nodes.
/// Each member sends 2(M-1) chunks of about L/M floats to its successor and receives as many from its
/// predecessor: 2(M-1)/M x L floats per member, independent of M (the bandwidth-optimal schedule).
/// <para>
/// Schedule (rank r, M members, chunk indices mod M): in reduce-scatter phase s, r sends chunk r-s and
/// adds the incoming chunk r-s-1 into its own; after M-1 phases r holds the full sum of chunk r+1. In
/// all-gather phase s, r sends chunk r+1-s and overwrites chunk r-s with the incoming one.
/// </para>
/// </summary>
public sealed class RingAllreduce
{
    private readonly float[] _buffer;
    private int _received;

    public RingAllreduce(int rank, int size, float[] buffer, bool average = true)
    {
        if (size < 1) throw new ArgumentOutOfRangeException(nameof(size), size, "a ring needs at least one member");
        if ((uint)rank >= (uint)size) throw new ArgumentOutOfRangeException(nameof(rank), rank, $"rank must be in [0, {size})");
        Rank = rank;
        Size = size;
        Average = average;
        _buffer = buffer;
    }

    public int Rank { get; }
    public int Size { get; }
    public bool Average { get; }
    public int Phases => 2 * (Size - 1);
    public bool IsComplete { get; private set; }
    /// <summary>Floats this member has sent so far (for the bytes-on-the-wire accounting).</summary>
    public long FloatsSent { get; private set; }

    /// <summary>The chunk boundaries: chunk c covers [Start(c), Start(c+1)); sizes differ by at most one.</summary>
    public static int ChunkStart(int chunk, int size, int length) => (int)((long)chunk * length / size);

    private int Mod(int x) => ((x % Size) + Size) % Size;

    private RingChunk Outgoing(int phase)
    {
        var chunk = phase < Size - 1 ? Mod(Rank - phase) : Mod(Rank + 1 - (phase - (Size - 1)));
        var start = ChunkStart(chunk, Size, _buffer.Length);
        var end = ChunkStart(chunk + 1, Size, _buffer.Length);
        // A copy: the chunk leaves this member while the buffer keeps changing.
        var data = _buffer.AsSpan(start, end - start).ToArray();
        FloatsSent += data.Length;
        return new RingChunk(phase, chunk, data);
    }

    /// <summary>Starts the exchange: the chunk to send first, or null when alone (then already complete).</summary>
    public RingChunk? Start()
    {
        if (Size == 1)
        {
            Complete();
            return null;
        }
        return Outgoing(0);
    }

    /// <summary>Applies the predecessor's chunk; returns the next chunk to send, or null when nothing is left to send.</summary>
    public RingChunk? OnReceive(RingChunk incoming)
    {
        if (IsComplete) throw new InvalidOperationException($"rank {Rank}: allreduce already complete, got phase {incoming.Phase}");
        if (incoming.Phase != _received)
            throw new InvalidOperationException($"rank {Rank}: expected phase {_received}, got {incoming.Phase}");
        var phase = incoming.Phase;
        var expectedChunk = phase < Size - 1 ? Mod(Rank - phase - 1) : Mod(Rank - (phase - (Size - 1)));
        if (incoming.Chunk != expectedChunk)
            throw new InvalidOperationException($"rank {Rank}: phase {phase} expected chunk {expectedChunk}, got {incoming.Chunk}");
        var start = ChunkStart(incoming.Chunk, Size, _buffer.Length);
        var length = ChunkStart(incoming.Chunk + 1, Size, _buffer.Length) - start;
        if (incoming.Data.Length != length)
            throw new InvalidOperationException($"rank {Rank}: chunk {incoming.Chunk} has {incoming.Data.Length} floats, expected {length}");

        var target = _buffer.AsSpan(start, length);
        if (phase < Size - 1) TensorPrimitives.Add(target, incoming.Data.Span, target);
        else incoming.Data.Span.CopyTo(target);

        _received++;
        if (_received == Phases)
        {
            Complete();
            return null;
        }
        // The chunk just reduced (or gathered) is the one forwarded next, except after the last
        // reduce-scatter phase where the schedule hands over to all-gather of the same chunk.
        return _received < Phases ? Outgoing(_received) : null;
    }

    private void Complete()
    {
        if (Average && Size > 1) TensorPrimitives.Multiply(_buffer, 1f / Size, _buffer);
        IsComplete = true;
    }
}
