using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using ActorCodistill.Cluster.Remote;
using ActorCodistill.Cluster.Remote.Protocol;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Bench.Allreduce;

/// <summary>
/// One ring member in its own process: a <see cref="RemoteTransport"/> on 127.0.0.1 that sends to its successor
/// and receives from its predecessor. Each chunk of <see cref="RingAllreduce"/> travels as one bulk transfer
/// (the transport splits it into its own 1 MiB chunks under a credit window), and is received straight into a
/// pooled float array through <see cref="IInboundHandler.ProvideBulkBuffer"/>.
/// </summary>
internal sealed class RingMember : IInboundHandler, IAsyncDisposable
{
    private readonly int _rank;
    private readonly int _world;
    private readonly RemoteTransport _transport;
    private readonly RemoteEndpoint _successor;
    // Received chunks in arrival order; the predecessor can run up to N-1 phases ahead of us.
    private readonly Channel<(int Iteration, int Phase, int Chunk, float[] Data, int Length)> _inbox =
        Channel.CreateUnbounded<(int, int, int, float[], int)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly ConcurrentBag<float[]> _pool = new();
    private int _chunkCapacity;
    private int _iteration;

    public RingMember(int rank, int world, IReadOnlyList<int> ports, RemoteSettings template)
    {
        _rank = rank;
        _world = world;
        _transport = new RemoteTransport(template with { Port = ports[rank] }, RemoteLogSink.FromAction((level, message) =>
        {
            if (level >= RemoteLogLevel.Warning) Console.Error.WriteLine($"rank {rank}: {level}: {message}");
        }));
        _transport.Start(this);
        _successor = _transport.GetOrConnect(template.Address(ports[(rank + 1) % world]));
    }

    public Task WhenConnected(CancellationToken cancellationToken) => _successor.WhenAssociated(cancellationToken);

    /// <summary>Pools receive buffers big enough for the largest chunk of a buffer of <paramref name="floats"/>.</summary>
    public void PrepareFor(int floats)
    {
        // Chunk sizes differ by at most one (RingAllreduce.ChunkStart), so none exceeds floor(L/N) + 1.
        var capacity = floats / _world + 1;
        if (capacity <= _chunkCapacity) return;
        _chunkCapacity = capacity;
        _pool.Clear();
    }

    /// <summary>One in-place SUM allreduce of <paramref name="buffer"/> over the ring.</summary>
    public async Task AllreduceAsync(float[] buffer, CancellationToken cancellationToken)
    {
        var iteration = _iteration++;
        var ring = new RingAllreduce(_rank, _world, buffer, average: false);
        var outgoing = ring.Start();
        var send = outgoing is null ? Task.CompletedTask : SendAsync(iteration, outgoing, cancellationToken);
        while (!ring.IsComplete)
        {
            var (fromIteration, phase, chunk, data, length) = await _inbox.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (fromIteration != iteration)
                throw new InvalidOperationException($"rank {_rank}: got a chunk of iteration {fromIteration} from the predecessor during iteration {iteration}");
            var next = ring.OnReceive(new RingChunk(phase, chunk, data.AsMemory(0, length)));
            _pool.Add(data);
            // One bulk transfer at a time per endpoint: the next send waits for the previous one's final ack.
            await send.ConfigureAwait(false);
            send = next is null ? Task.CompletedTask : SendAsync(iteration, next, cancellationToken);
        }
        await send.ConfigureAwait(false);
    }

    private Task SendAsync(int iteration, RingChunk chunk, CancellationToken cancellationToken)
    {
        var header = new BulkHeader
        {
            Dtype = TensorDType.Float32,
            Shape = { chunk.Data.Length },
            Manifest = string.Create(CultureInfo.InvariantCulture, $"{iteration}:{chunk.Phase}:{chunk.Chunk}"),
        };
        return _successor.SendBulkAsync(header, FloatBytes.Of(chunk.Data), cancellationToken);
    }

    public void OnControl(UniqueRemoteAddress from, Envelope envelope)
    {
    }

    public Memory<byte>? ProvideBulkBuffer(UniqueRemoteAddress from, BulkHeader header)
    {
        var floats = (int)(header.TotalBytes / sizeof(float));
        if (floats > _chunkCapacity)
            throw new InvalidOperationException($"rank {_rank}: chunk of {floats} floats from {from} exceeds the prepared {_chunkCapacity}");
        if (!_pool.TryTake(out var array) || array.Length < floats) array = new float[_chunkCapacity];
        return new FloatBytes(array).Memory[..(int)header.TotalBytes];
    }

    public void OnBulk(UniqueRemoteAddress from, BulkPayload payload)
    {
        using (payload)
        {
            if (!System.Runtime.InteropServices.MemoryMarshal.TryGetMemoryManager<byte, FloatBytes>(payload.Data, out var manager))
                throw new InvalidOperationException($"rank {_rank}: bulk transfer from {from} was not received into a ring buffer");
            var parts = payload.Header.Manifest.Split(':');
            var iteration = int.Parse(parts[0], CultureInfo.InvariantCulture);
            var phase = int.Parse(parts[1], CultureInfo.InvariantCulture);
            var chunk = int.Parse(parts[2], CultureInfo.InvariantCulture);
            _inbox.Writer.TryWrite((iteration, phase, chunk, manager.Array, payload.Data.Length / sizeof(float)));
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
