namespace ActorCodistill.Workers.Data;

/// <summary>
/// One language-model batch, row-major [BatchSize, Window]: row b is stream b.
/// <see cref="Targets"/> is <see cref="Inputs"/> shifted left by one within each stream.
/// </summary>
public sealed record LmBatch(int[] Inputs, int[] Targets, int BatchSize, int Window);

/// <summary>Where one stream stands: the document it is reading and the offset of its next token (the document's length = its <c>&lt;eod&gt;</c>).</summary>
public readonly record struct LmStreamCursor(int Document, int Offset);

/// <summary>
/// Everything needed to resume an <see cref="LmBatcher"/> exactly: the batcher is a pure
/// function of (documents, seed, batch size, window) and this state.
/// </summary>
public sealed record LmBatcherState(int Epoch, int NextDocument, long Position, IReadOnlyList<LmStreamCursor> Streams)
{
    public bool Equals(LmBatcherState? other) =>
        other is not null && Epoch == other.Epoch && NextDocument == other.NextDocument
        && Position == other.Position && Streams.SequenceEqual(other.Streams);

    public override int GetHashCode() => HashCode.Combine(Epoch, NextDocument, Position, Streams.Count);
}
