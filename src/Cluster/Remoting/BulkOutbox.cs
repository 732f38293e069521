using System.Threading.Channels;
using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.Remote;
using ActorCodistill.Cluster.Remote.Protocol;

namespace ActorCodistill.Cluster.Remoting;

/// <summary>A bulk message serialised at Tell time and waiting for its turn on the bulk channel.</summary>
internal sealed record BulkOutboxItem(BulkHeader Header, ReadOnlyMemory<byte> Payload, object Message, IActorRef? Sender, IActorRef Recipient);

/// <summary>
/// The bulk messages this node sends to one peer node, in Tell order. One loop drains the queue with
/// <see cref="RemoteEndpoint.SendBulkAsync"/>. It starts the next transfer without waiting for the previous one's
/// final ack (the endpoint writes transfers strictly in call order and pipelines them), so a stream of allreduce
/// segments pays no round trip each; at most <see cref="Pipelined"/> transfers are started and unfinished, which
/// bounds how much memory is pinned beyond the queue. The bytes queued or in flight are bounded by
/// <c>remote.bulk-outbox-limit</c>: past it a Tell is refused (<see cref="BulkEnqueue.Full"/>) and the caller
/// dead-letters it, so a slow or stalled peer cannot grow this node's memory without bound. A failed transfer is
/// logged and becomes a dead letter; it never reaches the Tell caller. Dropping the outbox (node gone, shutdown)
/// cancels what is in flight and dead-letters the rest with one log line.
/// </summary>
internal sealed class BulkOutbox
{
    private const int Pipelined = 4;

    private readonly RemoteActorSystem _remoting;
    private readonly ILoggingAdapter _log;
    // Not single-reader: Drop drains what the loop has not taken, possibly while the loop still runs.
    private readonly Channel<BulkOutboxItem> _queue = Channel.CreateUnbounded<BulkOutboxItem>();
    private readonly CancellationTokenSource _dropped = new();
    private readonly Task _loop;
    private int _inFlight;
    // Payload bytes queued or in flight; what remote.bulk-outbox-limit bounds.
    private long _bytes;
    private long _refused;

    public BulkOutbox(RemoteActorSystem remoting, RemoteAddress node, ILoggingAdapter log)
    {
        _remoting = remoting;
        _log = log;
        Node = node;
        _loop = Task.Run(RunAsync);
    }

    public RemoteAddress Node { get; }

    /// <summary>Completes when the loop has stopped (after <see cref="Drop"/>).</summary>
    public Task Completion => _loop;

    /// <summary>Payload bytes queued or in flight.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>
    /// Queues the message unless that would take the outbox past <paramref name="limit"/> bytes (an empty outbox takes
    /// any message, so one of the largest allowed size still goes) or the outbox has been dropped.
    /// </summary>
    public BulkEnqueue TryEnqueue(BulkOutboxItem item, long limit)
    {
        var size = item.Payload.Length;
        var after = Interlocked.Add(ref _bytes, size);
        if (after > limit && after != size)
        {
            Interlocked.Add(ref _bytes, -size);
            Interlocked.Increment(ref _refused);
            return BulkEnqueue.Full;
        }
        if (_queue.Writer.TryWrite(item)) return BulkEnqueue.Queued;
        Interlocked.Add(ref _bytes, -size);
        return BulkEnqueue.Dropped;
    }

    /// <summary>How many Tells this outbox has refused for being full.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Cancels the transfers in flight and dead-letters everything queued, with one log line when anything was lost.</summary>
    public void Drop(string reason)
    {
        if (!_queue.Writer.TryComplete()) return;
        var inFlight = Volatile.Read(ref _inFlight);
        _dropped.Cancel();
        var count = 0;
        var bytes = 0L;
        while (_queue.Reader.TryRead(out var item))
        {
            count++;
            bytes += item.Payload.Length;
            Interlocked.Add(ref _bytes, -item.Payload.Length);
            _remoting.System.RecordDeadLetter(new DeadLetter(item.Message, item.Sender, item.Recipient));
        }
        if (count > 0 || inFlight > 0)
            _log.Warning($"dropped the bulk outbox to {Node} ({reason}): {count} queued message(s) of {bytes} bytes and {inFlight} transfer(s) in flight become dead letters");
    }

    private async Task RunAsync()
    {
        var token = _dropped.Token;
        var started = new Queue<Task>();
        try
        {
            while (await _queue.Reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                while (_queue.Reader.TryRead(out var item))
                {
                    while (started.TryPeek(out var oldest) && oldest.IsCompleted) _ = started.Dequeue();
                    if (started.Count >= Pipelined) await started.Dequeue().ConfigureAwait(false);
                    // SendBulkAsync takes its turn synchronously, before its first await: starting transfers one after
                    // another on this loop is what keeps them in Tell order.
                    started.Enqueue(SendAsync(item, token));
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        // SendAsync never throws; this only waits for the cancelled transfers to record their dead letters.
        await Task.WhenAll(started).ConfigureAwait(false);
    }

    private async Task SendAsync(BulkOutboxItem item, CancellationToken token)
    {
        Interlocked.Increment(ref _inFlight);
        try
        {
            await _remoting.Transport.GetOrConnect(Node).SendBulkAsync(item.Header, item.Payload, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Drop logs once for all of them.
            _remoting.System.RecordDeadLetter(new DeadLetter(item.Message, item.Sender, item.Recipient));
        }
        catch (Exception e)
        {
            // Whatever the transport throws (connection lost, refused, corrupted, disposed under us) belongs to this
            // transfer only: log it and go on with the next, never fault the loop.
            _log.Warning($"bulk message {item.Message.GetType().Name} ('{item.Header.Manifest}', {item.Payload.Length} bytes) for {item.Header.Recipient} " +
                         $"at {Node} was not delivered: {e.Message}");
            _remoting.System.RecordDeadLetter(new DeadLetter(item.Message, item.Sender, item.Recipient));
        }
        finally
        {
            Interlocked.Add(ref _bytes, -item.Payload.Length);
            Interlocked.Decrement(ref _inFlight);
        }
    }
}

/// <summary>What became of a bulk message handed to an outbox.</summary>
internal enum BulkEnqueue
{
    Queued,
    /// <summary>Queued and in-flight bytes would pass remote.bulk-outbox-limit.</summary>
    Full,
    /// <summary>The outbox was dropped (node gone, shutdown).</summary>
    Dropped,
}
