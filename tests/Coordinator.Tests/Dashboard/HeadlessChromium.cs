using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ActorCodistill.Coordinator.Tests.Dashboard;

/// <summary>
/// Debian's <c>chromium</c>, headless, driven over its own DevTools protocol (a WebSocket of JSON commands): one tab,
/// navigate, evaluate, wait for a condition, click, type, screenshot. No driver package: the protocol is Chromium's own, so
/// any Chromium the machine has works (Playwright's driver expects the browser build it was released with), and
/// nothing beyond the browser needs installing (deploy/setup-host.sh --tests installs it).
/// </summary>
internal sealed partial class HeadlessChromium : IAsyncDisposable
{
    /// <summary>How long a wait for something on the page may take before the test fails naming it (generous: CI is 2 cores).</summary>
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(90);

    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket;
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly ConcurrentQueue<string> _pageErrors = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly Task _reader;
    private int _nextId;
    private string? _session;

    private HeadlessChromium(Process process, string profile, ClientWebSocket socket)
    {
        _process = process;
        _profile = profile;
        _socket = socket;
        _reader = Task.Run(ReadLoop);
    }

    /// <summary>Errors and console.error lines the page produced, for failure messages.</summary>
    public IReadOnlyCollection<string> PageErrors => _pageErrors;

    public static string Executable()
    {
        var candidates = new[] { Environment.GetEnvironmentVariable("CODISTILL_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser" };
        return candidates.FirstOrDefault(c => !string.IsNullOrEmpty(c) && File.Exists(c))
               ?? throw new InvalidOperationException("no chromium found (/usr/bin/chromium, or CODISTILL_CHROMIUM): the dashboard's browser tests need " +
                                                      "Debian's chromium; deploy/setup-host.sh --tests installs it");
    }

    public static async Task<HeadlessChromium> StartAsync(int width = 1400, int height = 1000)
    {
        var profile = Directory.CreateTempSubdirectory("codistill-chromium-").FullName;
        var start = new ProcessStartInfo(Executable())
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
                 {
                     "--headless=new", "--disable-gpu", "--disable-dev-shm-usage", "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1", $"--user-data-dir={profile}",
                     "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
                     $"--window-size={width},{height}", "about:blank",
                 })
            start.ArgumentList.Add(arg);
        // As root (CI), Chromium refuses to start without --no-sandbox.
        if (Environment.UserName == "root") start.ArgumentList.Insert(0, "--no-sandbox");
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        try
        {
            var endpoint = await DevToolsEndpoint(process).ConfigureAwait(false);
            var socket = new ClientWebSocket();
            socket.Options.KeepAliveInterval = TimeSpan.Zero;
            await socket.ConnectAsync(endpoint, CancellationToken.None).ConfigureAwait(false);
            var browser = new HeadlessChromium(process, profile, socket);
            await browser.OpenTab(width, height).ConfigureAwait(false);
            return browser;
        }
        catch
        {
            Kill(process);
            throw;
        }
    }

    // Chromium prints "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/ID" on stderr once it listens.
    private static async Task<Uri> DevToolsEndpoint(Process process)
    {
        _ = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null).ContinueWith(_ => { }, TaskScheduler.Default);
        var seen = new StringBuilder();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await process.StandardError.ReadLineAsync(limit.Token).ConfigureAwait(false) is { } line)
        {
            seen.AppendLine(line);
            var match = DevToolsLine().Match(line);
            if (!match.Success) continue;
            // Keep draining stderr, or Chromium blocks on a full pipe.
            _ = process.StandardError.BaseStream.CopyToAsync(Stream.Null).ContinueWith(_ => { }, TaskScheduler.Default);
            return new Uri(match.Groups[1].Value);
        }
        throw new InvalidOperationException($"chromium exited before it listened for DevTools: {seen}");
    }

    [GeneratedRegex(@"DevTools listening on (ws://\S+)")]
    private static partial Regex DevToolsLine();

    private async Task OpenTab(int width, int height)
    {
        var target = await Send("Target.createTarget", new JsonObject { ["url"] = "about:blank" }, browserLevel: true).ConfigureAwait(false);
        var attached = await Send("Target.attachToTarget", new JsonObject { ["targetId"] = target.GetProperty("targetId").GetString(), ["flatten"] = true },
            browserLevel: true).ConfigureAwait(false);
        _session = attached.GetProperty("sessionId").GetString();
        await Send("Page.enable").ConfigureAwait(false);
        await Send("Runtime.enable").ConfigureAwait(false);
        await Send("Emulation.setDeviceMetricsOverride",
            new JsonObject { ["width"] = width, ["height"] = height, ["deviceScaleFactor"] = 1, ["mobile"] = false }).ConfigureAwait(false);
    }

    public async Task<JsonElement> Send(string method, JsonObject? parameters = null, bool browserLevel = false)
    {
        var id = Interlocked.Increment(ref _nextId);
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JsonObject() };
        if (!browserLevel) message["sessionId"] = _session ?? throw new InvalidOperationException("no tab is open");
        var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        var bytes = Encoding.UTF8.GetBytes(message.ToJsonString());
        await _sendLock.WaitAsync().ConfigureAwait(false);
        try
        {
            await _socket.SendAsync(bytes, WebSocketMessageType.Text, true, _stop.Token).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
        var done = await Task.WhenAny(answer.Task, Task.Delay(DefaultWait)).ConfigureAwait(false);
        if (done != answer.Task) throw new TimeoutException($"chromium did not answer {method} within {DefaultWait.TotalSeconds:0}s");
        return await answer.Task.ConfigureAwait(false);
    }

    private async Task ReadLoop()
    {
        var buffer = new byte[1 << 16];
        var message = new MemoryStream();
        try
        {
            while (_socket.State == WebSocketState.Open && !_stop.IsCancellationRequested)
            {
                var result = await _socket.ReceiveAsync(buffer, _stop.Token).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close) break;
                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage) continue;
                Dispatch(JsonDocument.Parse(message.ToArray()).RootElement.Clone());
                message.SetLength(0);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
        }
        foreach (var pending in _pending.Values) pending.TrySetException(new InvalidOperationException("the DevTools connection to chromium closed"));
    }

    private void Dispatch(JsonElement message)
    {
        if (message.TryGetProperty("id", out var idElement) && _pending.TryRemove(idElement.GetInt32(), out var answer))
        {
            if (message.TryGetProperty("error", out var error)) answer.TrySetException(new InvalidOperationException($"DevTools error: {error}"));
            else answer.TrySetResult(message.GetProperty("result"));
            return;
        }
        if (!message.TryGetProperty("method", out var method)) return;
        switch (method.GetString())
        {
            case "Runtime.exceptionThrown":
                _pageErrors.Enqueue(message.GetProperty("params").GetProperty("exceptionDetails").ToString());
                break;
            case "Runtime.consoleAPICalled" when message.GetProperty("params").GetProperty("type").GetString() == "error":
                _pageErrors.Enqueue(message.GetProperty("params").GetProperty("args").ToString());
                break;
        }
    }

    public async Task Navigate(string url)
    {
        await Send("Page.navigate", new JsonObject { ["url"] = url }).ConfigureAwait(false);
        await WaitFor("document.readyState === 'complete'", "the page to load").ConfigureAwait(false);
    }

    /// <summary>The value of a JavaScript expression in the page (promises awaited); an exception in it fails the test.</summary>
    public async Task<JsonElement> Evaluate(string expression)
    {
        var result = await Send("Runtime.evaluate", new JsonObject
        {
            ["expression"] = expression, ["returnByValue"] = true, ["awaitPromise"] = true,
        }).ConfigureAwait(false);
        if (result.TryGetProperty("exceptionDetails", out var details))
            throw new InvalidOperationException($"'{expression}' threw in the page: {details}");
        return result.GetProperty("result").TryGetProperty("value", out var value) ? value : default;
    }

    public async Task<string?> Text(string expression) =>
        await Evaluate(expression).ConfigureAwait(false) is { ValueKind: JsonValueKind.String } s ? s.GetString() : null;

    /// <summary>
    /// Waits until <paramref name="condition"/> (JavaScript; a promise is awaited) is truthy in the page, checking every 100 ms; fails naming
    /// <paramref name="what"/> with the page's errors when it is not within <see cref="DefaultWait"/>. A condition, not
    /// a timing: the wait only bounds a test that would otherwise hang.
    /// </summary>
    public async Task WaitFor(string condition, string what, TimeSpan? within = null, Func<Task<string>>? describe = null)
    {
        var deadline = Stopwatch.StartNew();
        var limit = within ?? DefaultWait;
        while (true)
        {
            var value = await Evaluate($"(async () => !!(await ({condition})))()").ConfigureAwait(false);
            if (value.ValueKind == JsonValueKind.True) return;
            if (deadline.Elapsed > limit)
            {
                var state = describe is null ? "" : $"; the page shows: {await describe().ConfigureAwait(false)}";
                Assert.Fail($"the page did not show {what} within {limit.TotalSeconds:0}s ({condition}){state}" +
                            (_pageErrors.IsEmpty ? "" : $"; page errors: {string.Join(" | ", _pageErrors)}"));
            }
            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    /// <summary>Clicks the element a CSS selector names, as a mouse would (at its centre, through the input pipeline).</summary>
    public async Task Click(string selector)
    {
        var box = await Evaluate($$"""
            (() => { const e = document.querySelector({{JsonSerializer.Serialize(selector)}}); if (!e) return null;
                     e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();
                     return { x: r.left + r.width / 2, y: r.top + r.height / 2 }; })()
            """).ConfigureAwait(false);
        if (box.ValueKind != JsonValueKind.Object) Assert.Fail($"no element '{selector}' on the page to click");
        var x = box.GetProperty("x").GetDouble();
        var y = box.GetProperty("y").GetDouble();
        foreach (var type in new[] { "mousePressed", "mouseReleased" })
            await Send("Input.dispatchMouseEvent", new JsonObject
            {
                ["type"] = type, ["x"] = x, ["y"] = y, ["button"] = "left", ["clickCount"] = 1,
            }).ConfigureAwait(false);
    }

    /// <summary>Focuses an input (or select) and sets its value as typing (or choosing) would, with the events that go with it.</summary>
    public Task Fill(string selector, string value) =>
        Evaluate($$"""
            (() => { const e = document.querySelector({{JsonSerializer.Serialize(selector)}}); if (!e) throw new Error('no element ' + {{JsonSerializer.Serialize(selector)}});
                     e.focus(); e.value = {{JsonSerializer.Serialize(value)}};
                     e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true})); return true; })()
            """);

    /// <summary>A PNG of the whole page (its full height at the tab's width).</summary>
    public async Task<byte[]> Screenshot()
    {
        var metrics = await Send("Page.getLayoutMetrics").ConfigureAwait(false);
        var size = metrics.GetProperty("cssContentSize");
        var shot = await Send("Page.captureScreenshot", new JsonObject
        {
            ["format"] = "png", ["captureBeyondViewport"] = true,
            ["clip"] = new JsonObject
            {
                ["x"] = 0, ["y"] = 0, ["width"] = size.GetProperty("width").GetDouble(), ["height"] = size.GetProperty("height").GetDouble(), ["scale"] = 1,
            },
        }).ConfigureAwait(false);
        return Convert.FromBase64String(shot.GetProperty("data").GetString()!);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                var close = Encoding.UTF8.GetBytes(new JsonObject { ["id"] = Interlocked.Increment(ref _nextId), ["method"] = "Browser.close" }.ToJsonString());
                await _socket.SendAsync(close, WebSocketMessageType.Text, true, limit.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
        }
        if (!_process.WaitForExit(TimeSpan.FromSeconds(10))) Kill(_process);
        await _stop.CancelAsync().ConfigureAwait(false);
        await _reader.ConfigureAwait(false);
        _socket.Dispose();
        _process.Dispose();
        _stop.Dispose();
        _sendLock.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // A file Chromium's last child still held; the temp folder is the system's to clean.
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(TimeSpan.FromSeconds(10));
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}
