using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using ActorCodistill.Cluster.Remote;
using ActorCodistill.Cluster.Remote.Protocol;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Bench.Allreduce;

/// <summary>
/// One ring member in its own process: a <see cref="RemoteTransport"/> on 127.0.0.1 that sends to its successor
/// and receives from its predecessor. <see cref="RingAllreduce"/> runs segmented (each chunk in segments of at
/// most --segment-kib) and zero copy: every segment is one bulk transfer sent straight from the member's buffer,
/// the endpoint's one writer loop sends them back to back (the next goes out while the previous one's ack is on its
/// way), a reduce-scatter segment is received into a pooled float array and added, and an all-gather segment is
/// received in place, straight into the buffer region <see cref="RingAllreduce.GatherDestination"/> names.
/// Segments are applied on the transport's receive thread, which also queues the next send, so a segment crosses no
/// thread between arriving and being forwarded; only the allreduce's completion hands over to the caller.
/// --segment-kib 0 sends whole chunks with copies, the state machine's in-process mode.
/// </summary>
internal sealed class RingMember : IInboundHandler, IAsyncDisposable
{
    private readonly int _rank;
    private readonly int _world;
    private readonly int _segmentFloats;
    private readonly bool _zeroCopy;
    private readonly RemoteTransport _transport;
    private readonly RemoteEndpoint _successor;
    private readonly ConcurrentBag<float[]> _pool = new();
    // Guards the allreduce under way against the receive thread. Segments of the next iteration can arrive before
    // this member has started it (the predecessor may be ahead); they wait in _early, received into pooled arrays.
    private readonly Lock _gate = new();
    private readonly Queue<(int Iteration, RingChunk Chunk, float[]? Pooled)> _early = new();
    private int _segmentCapacity;
    private int _iteration;
    // The allreduce under way, for the receive thread's in-place destinations. Data of iteration i can only arrive
    // in place after this member sent its own share of iteration i, and the all-gather data it needs has not all come.
    private CurrentRun? _current;

    public RingMember(int rank, int world, IReadOnlyList<int> ports, RemoteSettings template, int segmentKiB)
    {
        _rank = rank;
        _world = world;
        _zeroCopy = segmentKiB > 0;
        _segmentFloats = _zeroCopy ? segmentKiB * 1024 / sizeof(float) : int.MaxValue;
        _transport = new RemoteTransport(template with { Port = ports[rank] }, RemoteLogSink.FromAction((level, message) =>
        {
            if (level >= RemoteLogLevel.Warning) Console.Error.WriteLine($"rank {rank}: {level}: {message}");
        }));
        _transport.Start(this);
        _successor = _transport.GetOrConnect(template.Address(ports[(rank + 1) % world]));
    }

    public Task WhenConnected(CancellationToken cancellationToken) => _successor.WhenAssociated(cancellationToken);

    /// <summary>Pools receive buffers big enough for the largest segment of a buffer of <paramref name="floats"/>.</summary>
    public void PrepareFor(int floats)
    {
        // Chunk sizes differ by at most one (RingAllreduce.ChunkStart); a segment is at most segment-floats long, or
        // at most 2 floats when the segment count is capped by the shortest chunk.
        var capacity = (int)Math.Min((long)Math.Max(_segmentFloats, 2), floats / _world + 1) + 1;
        if (capacity <= _segmentCapacity) return;
        _segmentCapacity = capacity;
        _pool.Clear();
    }

    /// <summary>One in-place SUM allreduce of <paramref name="buffer"/> over the ring.</summary>
    public async Task AllreduceAsync(float[] buffer, CancellationToken cancellationToken)
    {
        var iteration = _iteration++;
        var ring = new RingAllreduce(_rank, _world, buffer, average: false, _segmentFloats, copyOutgoing: !_zeroCopy);
        // The endpoint sends in call order and pipelines; each task completes at its transfer's final ack.
        var run = new CurrentRun(iteration, ring, new List<Task>(ring.Phases * ring.SegmentsPerChunk),
            new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        lock (_gate)
        {
            Volatile.Write(ref _current, run);
            foreach (var first in ring.StartSegments()) run.Sends.Add(SendAsync(iteration, first, cancellationToken));
            while (_early.TryDequeue(out var early))
            {
                if (early.Iteration != iteration)
                    throw new InvalidOperationException($"rank {_rank}: a segment of iteration {early.Iteration} waited for iteration {iteration}");
                Apply(run, early.Chunk, early.Pooled);
            }
        }
        await run.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        await Task.WhenAll(run.Sends).ConfigureAwait(false);
    }

    /// <summary>Adds (or takes) one segment and queues what it lets this member send next; under <see cref="_gate"/>.</summary>
    private void Apply(CurrentRun run, RingChunk chunk, float[]? pooled)
    {
        var next = run.Ring.OnReceive(chunk);
        if (pooled is not null) _pool.Add(pooled);
        if (next is not null) run.Sends.Add(SendAsync(run.Iteration, next, CancellationToken.None));
        if (run.Ring.IsComplete) run.Done.TrySetResult();
    }

    private Task SendAsync(int iteration, RingChunk chunk, CancellationToken cancellationToken)
    {
        var header = new BulkHeader
        {
            Dtype = TensorDType.Float32,
            Shape = { chunk.Data.Length },
            Manifest = string.Create(CultureInfo.InvariantCulture, $"{iteration}:{chunk.Phase}:{chunk.Chunk}:{chunk.Segment}"),
        };
        return _successor.SendBulkAsync(header, FloatBytes.Of(chunk.Data), cancellationToken);
    }

    private static (int Iteration, int Phase, int Chunk, int Segment) ParseManifest(string manifest)
    {
        var parts = manifest.Split(':');
        return (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture),
            int.Parse(parts[2], CultureInfo.InvariantCulture), int.Parse(parts[3], CultureInfo.InvariantCulture));
    }

    private bool IsGather(int phase) => _zeroCopy && phase >= _world - 1;

    public void OnControl(UniqueRemoteAddress from, Envelope envelope)
    {
    }

    public Memory<byte>? ProvideBulkBuffer(UniqueRemoteAddress from, BulkHeader header)
    {
        var floats = (int)(header.TotalBytes / sizeof(float));
        var (iteration, phase, _, segment) = ParseManifest(header.Manifest);
        if (IsGather(phase))
        {
            var current = Volatile.Read(ref _current);
            if (current is not { } c || c.Iteration != iteration)
                throw new InvalidOperationException($"rank {_rank}: all-gather segment of iteration {iteration} from {from} while iteration {current?.Iteration} runs");
            return FloatBytes.OfWritable(c.Ring.GatherDestination(phase, segment));
        }
        if (floats > _segmentCapacity)
            throw new InvalidOperationException($"rank {_rank}: segment of {floats} floats from {from} exceeds the prepared {_segmentCapacity}");
        if (!_pool.TryTake(out var array) || array.Length < floats) array = new float[_segmentCapacity];
        return new FloatBytes(array).Memory[..(int)header.TotalBytes];
    }

    public void OnBulk(UniqueRemoteAddress from, BulkPayload payload)
    {
        using (payload)
        {
            if (!System.Runtime.InteropServices.MemoryMarshal.TryGetMemoryManager<byte, FloatBytes>(payload.Data, out var manager, out var start, out var length))
                throw new InvalidOperationException($"rank {_rank}: bulk transfer from {from} was not received into a ring buffer");
            var (iteration, phase, chunk, segment) = ParseManifest(payload.Header.Manifest);
            var data = manager.Array.AsMemory(start / sizeof(float), length / sizeof(float));
            var received = new RingChunk(phase, chunk, data) { Segment = segment };
            var pooled = IsGather(phase) ? null : manager.Array;
            lock (_gate)
            {
                if (Volatile.Read(ref _current) is { } run && run.Iteration == iteration) Apply(run, received, pooled);
                else _early.Enqueue((iteration, received, pooled));
            }
        }
    }

    public ValueTask DisposeAsync() => _transport.DisposeAsync();

    /// <summary>Times <paramref name="count"/> back-to-back allreduces, each on its own (as the Gloo anchor does).</summary>
    public async Task<double[]> TimeAsync(float[] buffer, int count, CancellationToken cancellationToken)
    {
        var times = new double[count];
        for (var i = 0; i < count; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            await AllreduceAsync(buffer, cancellationToken).ConfigureAwait(false);
            times[i] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        }
        return times;
    }
}

/// <summary>One allreduce under way: its state machine, the sends it started, and its completion.</summary>
internal sealed record CurrentRun(int Iteration, RingAllreduce Ring, List<Task> Sends, TaskCompletionSource Done);
