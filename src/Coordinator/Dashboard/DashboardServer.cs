using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ActorCodistill.Coordinator.Dashboard;

/// <summary>
/// The dashboard's web server: Kestrel on one address, with the page, its assets, the live stream, past runs and
/// changes. Built from an empty host (no appsettings, no ASPNETCORE_* variables, no logging providers), so only the
/// <c>dashboard</c> settings decide what it binds and it prints nothing of its own into the run's console.
/// </summary>
internal sealed class DashboardServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping;
    private readonly LiveStreamEndpoint _live;

    public Uri Address { get; }

    private DashboardServer(WebApplication app, CancellationTokenSource stopping, LiveStreamEndpoint live, Uri address)
    {
        _app = app;
        _stopping = stopping;
        _live = live;
        Address = address;
    }

    public int OpenStreams => _live.Open;

    public static async Task<DashboardServer> StartAsync(DashboardSettings settings, LiveRun live, PastRuns past, ChangeAuthorizer authorizer,
        Func<JobAsk?> job)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "codistill-dashboard" });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(settings.Address, settings.Port);
        });
        builder.Services.AddRoutingCore();
        var app = builder.Build();
        var stopping = new CancellationTokenSource();
        var liveStream = new LiveStreamEndpoint(live, stopping.Token);
        var changes = new ChangeEndpoint(authorizer, job, TimeSpan.FromSeconds(10));
        var runs = new PastRunEndpoints(past);

        if (settings.Loopback) app.Use(LoopbackHostsOnly);
        app.Use(async (context, next) =>
        {
            // The page is only ever shown as itself, never framed by another site; its scripts are its own files.
            context.Response.Headers.XContentTypeOptions = "nosniff";
            context.Response.Headers.XFrameOptions = "DENY";
            context.Response.Headers.ContentSecurityPolicy = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:";
            await next(context).ConfigureAwait(false);
        });
        app.MapGet("/", context => Asset(context, "index.html"));
        app.MapGet("/assets/{**path}", context => Asset(context, (string)context.Request.RouteValues["path"]!));
        app.MapGet("/api/snapshot", context => HttpResults.Json(context, live.Snapshot(out _)));
        app.MapGet("/api/live", liveStream.Handle);
        app.MapGet("/api/runs", runs.List);
        app.MapGet("/api/run", runs.Read);
        app.MapGet("/api/compare", runs.Compare);
        app.MapPost("/api/change", changes.Handle);

        try
        {
            await app.StartAsync().ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            stopping.Dispose();
            throw new ArgumentException($"dashboard.bind = {Bind(settings.Address, settings.Port)}: cannot listen there ({e.Message})", e);
        }
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new DashboardServer(app, stopping, liveStream, new Uri(bound.EndsWith('/') ? bound : bound + "/"));
    }

    private static string Bind(IPAddress address, int port) =>
        address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]:{port}" : $"{address}:{port}";

    private static Task Asset(HttpContext context, string path)
    {
        if (!DashboardAssets.TryGet(path, out var content, out var type))
            return HttpResults.Problem(context, StatusCodes.Status404NotFound, $"no asset '{path}'");
        context.Response.ContentType = type;
        context.Response.Headers.CacheControl = "no-cache";
        return context.Response.Body.WriteAsync(content, context.RequestAborted).AsTask();
    }

    /// <summary>
    /// On a loopback address, requests must name a loopback host: a web page elsewhere that rebinds its own DNS name to
    /// 127.0.0.1 cannot read the dashboard through the visitor's browser.
    /// </summary>
    private static Task LoopbackHostsOnly(HttpContext context, RequestDelegate next)
    {
        var host = context.Request.Host.Host;
        var local = host.Equals("localhost", StringComparison.OrdinalIgnoreCase) ||
                    (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
        return local ? next(context) : HttpResults.Problem(context, StatusCodes.Status421MisdirectedRequest,
            $"this dashboard answers on loopback names only (127.0.0.1, localhost), not '{host}'");
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        using (var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
            await _app.StopAsync(grace.Token).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }
}
