using System.Threading.Channels;
using ActorCodistill.Cluster.Remote.Protocol;

namespace ActorCodistill.Cluster.Remote;

/// <summary>
/// A bulk message serialised at Tell time and waiting for its turn: the transfer's header and payload, the message
/// itself and whatever the owner needs to report it lost (sender and recipient, in the owner's actor runtime).
/// </summary>
public sealed record QueuedBulk(BulkHeader Header, ReadOnlyMemory<byte> Payload, object Message, object? Route);

/// <summary>
/// The bulk messages this node sends to one peer node, in Tell order, over the transport's bulk channel. It knows no
/// actor runtime: the owner (the own remoting, or the Akka data plane) says how to reach the peer's endpoint and what
/// to do with a message that is not delivered (a dead letter).
/// <para>
/// One loop drains the queue with <see cref="RemoteEndpoint.SendBulkAsync"/>. It starts the next transfer without
/// waiting for the previous one's final ack (the endpoint writes transfers strictly in call order and pipelines them),
/// so a stream of allreduce segments pays no round trip each; at most <see cref="Pipelined"/> transfers are started and
/// unfinished, which bounds how much memory is pinned beyond the queue. The endpoint is looked up in the loop, before a
/// transfer starts (it may be an asynchronous lookup: the Akka data plane asks the peer node where its data plane
/// listens), so lookups never reorder transfers. The bytes queued or in flight are bounded by the caller's limit: past
/// it a Tell is refused (<see cref="BulkEnqueue.Full"/>) and the caller dead-letters it, so a slow or stalled peer
/// cannot grow this node's memory without bound. A failed transfer is logged and handed to <c>lost</c>; it never
/// reaches the Tell caller. Dropping the outbox (node gone, shutdown) cancels what is in flight and hands the rest to
/// <c>lost</c> with one log line.
/// </para>
/// </summary>
public sealed class BulkOutbox
{
    private const int Pipelined = 4;

    private readonly Func<CancellationToken, ValueTask<RemoteEndpoint>> _endpoint;
    private readonly IRemoteLogSink _log;
    private readonly Action<QueuedBulk, Exception?> _lost;
    private readonly string _limitSetting;
    // Not single-reader: Drop drains what the loop has not taken, possibly while the loop still runs.
    private readonly Channel<QueuedBulk> _queue = Channel.CreateUnbounded<QueuedBulk>();
    private readonly CancellationTokenSource _dropped = new();
    private readonly Task _loop;
    private int _inFlight;
    // Payload bytes queued or in flight; what the caller's limit bounds.
    private long _bytes;
    private long _refused;

    /// <param name="peer">The peer's name in log lines.</param>
    /// <param name="endpoint">The peer's endpoint, looked up before each transfer; an exception loses that transfer only.</param>
    /// <param name="lost">A message that was not delivered, with why (null: the outbox was dropped); called once per message.</param>
    /// <param name="limitSetting">The setting that sets the outbox's limit, named when a Tell is refused for it.</param>
    public BulkOutbox(string peer, Func<CancellationToken, ValueTask<RemoteEndpoint>> endpoint, IRemoteLogSink log, Action<QueuedBulk, Exception?> lost,
        string limitSetting)
    {
        Peer = peer;
        _limitSetting = limitSetting;
        _endpoint = endpoint;
        _log = log;
        _lost = lost;
        _loop = Task.Run(RunAsync);
    }

    public string Peer { get; }

    /// <summary>Completes when the loop has stopped (after <see cref="Drop"/>).</summary>
    public Task Completion => _loop;

    /// <summary>Payload bytes queued or in flight.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>
    /// Queues the message unless that would take the outbox past <paramref name="limit"/> bytes (an empty outbox takes
    /// any message, so one of the largest allowed size still goes) or the outbox has been dropped. A message refused for
    /// the limit is logged at the first and every 100th refusal, not each: the peer takes bulk messages slower than they
    /// are sent (or not at all). The caller dead-letters what is not queued.
    /// </summary>
    public BulkEnqueue TryEnqueue(QueuedBulk item, long limit)
    {
        var size = item.Payload.Length;
        var after = Interlocked.Add(ref _bytes, size);
        if (after > limit && after != size)
        {
            Interlocked.Add(ref _bytes, -size);
            var refused = Interlocked.Increment(ref _refused);
            if (refused == 1 || refused % 100 == 0)
                _log.Log(RemoteLogLevel.Warning, $"bulk outbox to {Peer} is full ({Bytes} bytes queued or in flight, {_limitSetting} is {limit}): " +
                                                 $"{item.Message.GetType().Name} ({size} bytes) for {item.Header.Recipient} becomes a dead letter " +
                                                 $"({refused} refused so far)");
            return BulkEnqueue.Full;
        }
        if (_queue.Writer.TryWrite(item)) return BulkEnqueue.Queued;
        Interlocked.Add(ref _bytes, -size);
        return BulkEnqueue.Dropped;
    }

    /// <summary>Cancels the transfers in flight and hands everything queued to <c>lost</c>, with one log line when anything was lost.</summary>
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
            _lost(item, null);
        }
        if (count > 0 || inFlight > 0)
            _log.Log(RemoteLogLevel.Warning, $"dropped the bulk outbox to {Peer} ({reason}): {count} queued message(s) of {bytes} bytes and {inFlight} transfer(s) in flight become dead letters");
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
                    RemoteEndpoint endpoint;
                    try
                    {
                        endpoint = await _endpoint(token).ConfigureAwait(false);
                    }
                    catch (Exception e)
                    {
                        Interlocked.Add(ref _bytes, -item.Payload.Length);
                        if (token.IsCancellationRequested)
                        {
                            // Dropped while the endpoint was looked up: Drop logs once for all of them.
                            _lost(item, null);
                            throw new OperationCanceledException(token);
                        }
                        Lost(item, e);
                        continue;
                    }
                    // SendBulkAsync takes its turn synchronously, before its first await: starting transfers one after
                    // another on this loop is what keeps them in Tell order.
                    started.Enqueue(SendAsync(endpoint, item, token));
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        // SendAsync never throws; this only waits for the cancelled transfers to record their dead letters.
        await Task.WhenAll(started).ConfigureAwait(false);
    }

    private async Task SendAsync(RemoteEndpoint endpoint, QueuedBulk item, CancellationToken token)
    {
        Interlocked.Increment(ref _inFlight);
        try
        {
            await endpoint.SendBulkAsync(item.Header, item.Payload, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Drop logs once for all of them.
            _lost(item, null);
        }
        catch (Exception e)
        {
            // Whatever the transport throws (connection lost, refused, corrupted, disposed under us) belongs to this
            // transfer only: log it and go on with the next, never fault the loop.
            Lost(item, e);
        }
        finally
        {
            Interlocked.Add(ref _bytes, -item.Payload.Length);
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private void Lost(QueuedBulk item, Exception e)
    {
        _log.Log(RemoteLogLevel.Warning, $"bulk message {item.Message.GetType().Name} ('{item.Header.Manifest}', {item.Payload.Length} bytes) for {item.Header.Recipient} " +
                                         $"at {Peer} was not delivered: {e.Message}");
        _lost(item, e);
    }
}

/// <summary>What became of a bulk message handed to an outbox.</summary>
public enum BulkEnqueue
{
    Queued,
    /// <summary>Queued and in-flight bytes would pass the outbox limit.</summary>
    Full,
    /// <summary>The outbox was dropped (node gone, shutdown).</summary>
    Dropped,
}
