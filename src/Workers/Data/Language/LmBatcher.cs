namespace ActorCodistill.Workers.Data;

/// <summary>
/// Lays documents out as B endless parallel token streams, the paper's LM input (section 3.1):
/// each batch row continues exactly where the same row of the previous batch stopped, so an LSTM
/// can carry its hidden state across batches, and documents are separated by <c>&lt;eod&gt;</c>
/// (the state is never reset, so the model must learn to reset on it).
/// <para>
/// Documents are dealt to streams from one shared queue: the queue holds a seeded permutation of
/// the documents per epoch (seed derived from (seed, epoch)); a stream that reaches the end of its
/// document's <c>&lt;eod&gt;</c> takes the next document from the queue, and when the queue is empty the
/// next epoch's permutation refills it. Streams therefore never break, not even across epochs.
/// <see cref="Epoch"/> is the epoch of the most recently dealt document.
/// </para>
/// Not thread-safe; one batcher per worker.
/// </summary>
public sealed class LmBatcher
{
    private readonly IReadOnlyList<int[]> _documents;
    private readonly LmStreamCursor[] _streams;
    private readonly long _seed;
    private int[] _order;

    public LmBatcher(IReadOnlyList<int[]> documents, int eodId, int batchSize, int window = 32, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(documents);
        if (documents.Count == 0)
        {
            throw new ArgumentException("LmBatcher needs at least one document.", nameof(documents));
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(window);
        for (var i = 0; i < documents.Count; i++)
        {
            if (documents[i] is null)
            {
                throw new ArgumentException($"Document {i} is null.", nameof(documents));
            }
        }
        _documents = documents;
        EodId = eodId;
        BatchSize = batchSize;
        Window = window;
        _seed = seed;
        _order = ComputeOrder(0);
        _streams = new LmStreamCursor[batchSize];
        for (var b = 0; b < batchSize; b++)
        {
            _streams[b] = new LmStreamCursor(TakeDocument(), 0);
        }
    }

    public int EodId { get; }

    public int BatchSize { get; }

    public int Window { get; }

    public int DocumentCount => _documents.Count;

    public int Epoch { get; private set; }

    /// <summary>Batches produced so far.</summary>
    public long Position { get; private set; }

    /// <summary>Index in the current epoch's order of the next document to be dealt.</summary>
    public int NextDocument { get; private set; }

    /// <summary>The document order of an epoch (a seeded permutation).</summary>
    public IReadOnlyList<int> EpochOrder(int epoch) => ComputeOrder(epoch);

    private int[] ComputeOrder(int epoch) => SeededRandom.Permutation(_documents.Count, SeededRandom.Derive(_seed, epoch));

    public LmBatcherState State => new(Epoch, NextDocument, Position, [.. _streams]);

    public void Restore(LmBatcherState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Streams.Count != BatchSize)
        {
            throw new ArgumentException($"State has {state.Streams.Count} streams, this batcher has batch size {BatchSize}.", nameof(state));
        }
        if (state.Epoch < 0 || state.NextDocument < 0 || state.NextDocument > _documents.Count || state.Position < 0)
        {
            throw new ArgumentException(
                $"State (epoch {state.Epoch}, next document {state.NextDocument}, position {state.Position}) is out of range for {_documents.Count} documents.",
                nameof(state));
        }
        for (var b = 0; b < BatchSize; b++)
        {
            var c = state.Streams[b];
            if ((uint)c.Document >= (uint)_documents.Count || c.Offset < 0 || c.Offset > _documents[c.Document].Length)
            {
                throw new ArgumentException($"Stream {b} cursor {c} does not fit the {_documents.Count} documents of this batcher.", nameof(state));
            }
        }
        Epoch = state.Epoch;
        NextDocument = state.NextDocument;
        Position = state.Position;
        _order = ComputeOrder(Epoch);
        for (var b = 0; b < BatchSize; b++)
        {
            _streams[b] = state.Streams[b];
        }
    }

    public LmBatch Next()
    {
        var inputs = new int[BatchSize * Window];
        var targets = new int[BatchSize * Window];
        Next(inputs, targets);
        return new LmBatch(inputs, targets, BatchSize, Window);
    }

    /// <summary>Fills caller-owned [BatchSize * Window] buffers, for a loop that reuses them.</summary>
    public void Next(Span<int> inputs, Span<int> targets)
    {
        var size = BatchSize * Window;
        if (inputs.Length != size || targets.Length != size)
        {
            throw new ArgumentException($"Buffers must hold BatchSize * Window = {size} tokens, got {inputs.Length} and {targets.Length}.");
        }
        for (var b = 0; b < BatchSize; b++)
        {
            var row = b * Window;
            var cursor = _streams[b];
            inputs[row] = TokenAt(cursor);
            for (var t = 0; t < Window; t++)
            {
                cursor = Advance(cursor);
                var token = TokenAt(cursor);
                targets[row + t] = token;
                if (t + 1 < Window)
                {
                    inputs[row + t + 1] = token;
                }
            }
            _streams[b] = cursor;
        }
        Position++;
    }

    public IEnumerable<LmBatch> Batches()
    {
        while (true)
        {
            yield return Next();
        }
    }

    /// <summary>
    /// A fixed, finite validation sequence: documents in the given order, each followed by
    /// <c>&lt;eod&gt;</c>, concatenated into one stream, cut into <paramref name="batchSize"/>
    /// contiguous equal parts (row b continues across the batches, so hidden state can carry) and
    /// read <paramref name="window"/> tokens at a time. The tail that does not fill a whole batch
    /// is dropped; <see cref="ValidationBatchCount"/> says how many batches there are.
    /// </summary>
    public static IEnumerable<LmBatch> ValidationBatches(IReadOnlyList<int[]> documents, int eodId, int batchSize, int window = 32)
    {
        var count = ValidationBatchCount(documents, batchSize, window);
        var stream = Concatenate(documents, eodId);
        var part = (stream.Length - 1) / batchSize;
        return Enumerate();

        IEnumerable<LmBatch> Enumerate()
        {
            for (var k = 0; k < count; k++)
            {
                var inputs = new int[batchSize * window];
                var targets = new int[batchSize * window];
                for (var b = 0; b < batchSize; b++)
                {
                    var start = (long)b * part + (long)k * window;
                    stream.AsSpan((int)start, window).CopyTo(inputs.AsSpan(b * window));
                    stream.AsSpan((int)start + 1, window).CopyTo(targets.AsSpan(b * window));
                }
                yield return new LmBatch(inputs, targets, batchSize, window);
            }
        }
    }

    public static int ValidationBatchCount(IReadOnlyList<int[]> documents, int batchSize, int window = 32)
    {
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(window);
        var total = documents.Sum(d => (long)d.Length + 1);
        if (total > int.MaxValue)
        {
            throw new ArgumentException($"Validation set of {total} tokens is too large for one array.", nameof(documents));
        }
        return total == 0 ? 0 : (int)((total - 1) / batchSize / window);
    }

    private static int[] Concatenate(IReadOnlyList<int[]> documents, int eodId)
    {
        var stream = new int[documents.Sum(d => d.Length + 1)];
        var pos = 0;
        foreach (var d in documents)
        {
            d.CopyTo(stream, pos);
            pos += d.Length;
            stream[pos++] = eodId;
        }
        return stream;
    }

    private int TokenAt(LmStreamCursor c)
    {
        var doc = _documents[c.Document];
        return c.Offset < doc.Length ? doc[c.Offset] : EodId;
    }

    private LmStreamCursor Advance(LmStreamCursor c) =>
        c.Offset < _documents[c.Document].Length
            ? c with { Offset = c.Offset + 1 }
            : new LmStreamCursor(TakeDocument(), 0);

    private int TakeDocument()
    {
        if (NextDocument == _order.Length)
        {
            Epoch++;
            _order = ComputeOrder(Epoch);
            NextDocument = 0;
        }
        return _order[NextDocument++];
    }
}
