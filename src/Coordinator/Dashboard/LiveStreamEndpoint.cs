using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace ActorCodistill.Coordinator.Dashboard;

/// <summary>
/// <c>GET /api/live</c>: the live run as server-sent events. First a <c>snapshot</c> event (everything so far), then an
/// <c>update</c> event whenever something changed (new points and events, the latest status, broadcast totals and
/// members), at most <see cref="MinimumGap"/> apart so a fast run sends batches, not one message per step; a comment
/// line every <see cref="KeepAlive"/> when nothing happens, so proxies and the browser keep the connection. When the run
/// ends the last update says so and the stream closes. A page that reconnects (EventSource does by itself) gets a
/// fresh snapshot.
/// </summary>
internal sealed class LiveStreamEndpoint(LiveRun live, CancellationToken stopping)
{
    public static readonly TimeSpan MinimumGap = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    private int _open;

    /// <summary>Streams now open.</summary>
    public int Open => Volatile.Read(ref _open);

    public async Task Handle(HttpContext context)
    {
        using var both = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        var cancel = both.Token;
        var response = context.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        response.Headers["X-Accel-Buffering"] = "no";
        Interlocked.Increment(ref _open);
        try
        {
            var snapshot = live.Snapshot(out var cursor);
            await Send(response, "snapshot", snapshot, cancel).ConfigureAwait(false);
            if (snapshot.Finished) return;
            while (!cancel.IsCancellationRequested)
            {
                var changed = live.Changed;
                if (live.Since(ref cursor) is { } update)
                {
                    await Send(response, "update", update, cancel).ConfigureAwait(false);
                    if (update.Finished) return;
                    await Task.Delay(MinimumGap, cancel).ConfigureAwait(false);
                    continue;
                }
                var woke = await Task.WhenAny(changed, Task.Delay(KeepAlive, cancel)).ConfigureAwait(false);
                if (woke != changed)
                {
                    await response.WriteAsync(": keep-alive\n\n", cancel).ConfigureAwait(false);
                    await response.Body.FlushAsync(cancel).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // The page went away, or the dashboard stops.
        }
        finally
        {
            Interlocked.Decrement(ref _open);
        }
    }

    private static async Task Send<T>(HttpResponse response, string name, T data, CancellationToken cancel)
    {
        // One event: "event: <name>", one "data:" line (JSON never contains a raw newline), a blank line.
        var json = JsonSerializer.Serialize(data, DashboardJson.Options);
        await response.WriteAsync($"event: {name}\ndata: {json}\n\n", Encoding.UTF8, cancel).ConfigureAwait(false);
        await response.Body.FlushAsync(cancel).ConfigureAwait(false);
    }
}
