using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Xunit.Sdk;
using OsProcess = System.Diagnostics.Process;

namespace ActorCodistill.Coordinator.Tests.Chaos.Harness;

/// <summary>
/// A real <c>dotnet &lt;dll&gt;</c> process for process-level tests (kill -9, SIGSTOP/SIGCONT, SIGTERM, restart).
/// stdout and stderr are captured line by line into memory and into <c>&lt;LogDirectory&gt;/&lt;Name&gt;.log</c>.
/// Every wait has a timeout scaled by CODISTILL_TEST_DILATION and fails naming the process, what it waited for and
/// its last lines. Dispose kills a process still running; so does the test host's exit, so a failed test leaves no
/// orphan behind.
/// </summary>
public sealed class NodeProcess : IDisposable
{
    /// <summary>Lines of log shown in a failure message.</summary>
    public const int FailureTailLines = 40;

    private static readonly ConcurrentDictionary<NodeProcess, byte> Live = new();

    private readonly object _gate = new();
    private readonly List<string> _lines = [];
    private readonly StreamWriter? _log;
    private IReadOnlyList<string> _args;
    private OsProcess? _process;
    private int _incarnationStart;
    private int _incarnation;
    private int _openStreams;
    private bool _disposed;

    static NodeProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var node in Live.Keys) node.KillQuietly();
        };
    }

    private NodeProcess(NodeProcessOptions options)
    {
        Options = options;
        _args = options.Args;
        DilationFactor = ReadDilation();
        if (options.LogDirectory is { } dir)
        {
            Directory.CreateDirectory(dir);
            LogPath = Path.Combine(dir, options.Name + ".log");
            _log = new StreamWriter(LogPath, append: true, new UTF8Encoding(false)) { AutoFlush = true };
        }
    }

    public NodeProcessOptions Options { get; }

    public string Name => Options.Name;

    /// <summary>The log file, or null without <see cref="NodeProcessOptions.LogDirectory"/>.</summary>
    public string? LogPath { get; }

    public double DilationFactor { get; }

    public TimeSpan DefaultTimeout => Dilated(TimeSpan.FromSeconds(15));

    /// <summary>The running (or last) incarnation's process id.</summary>
    public int Pid => Current.Id;

    public bool HasExited => Current.HasExited;

    /// <summary>The last incarnation's exit code; null while it runs.</summary>
    public int? ExitCode => Current.HasExited ? Current.ExitCode : null;

    /// <summary>1 for the first start, +1 per <see cref="Restart()"/>.</summary>
    public int Incarnation
    {
        get { lock (_gate) return _incarnation; }
    }

    /// <summary>Index in <see cref="Lines"/> of the current incarnation's first line.</summary>
    public int IncarnationStartLine
    {
        get { lock (_gate) return _incarnationStart; }
    }

    /// <summary>Every line of every incarnation so far, stdout and stderr interleaved as they arrived.</summary>
    public IReadOnlyList<string> Lines
    {
        get { lock (_gate) return [.. _lines]; }
    }

    private OsProcess Current => _process ?? throw new InvalidOperationException($"{Name} was never started");

    public static NodeProcess Start(NodeProcessOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!File.Exists(options.Dll)) throw new FileNotFoundException($"{options.Name}: no application at '{options.Dll}'", options.Dll);
        var node = new NodeProcess(options);
        Live.TryAdd(node, 0);
        try
        {
            node.Launch();
        }
        catch
        {
            node.Dispose();
            throw;
        }
        return node;
    }

    public TimeSpan Dilated(TimeSpan duration) => TimeSpan.FromTicks((long)(duration.Ticks * DilationFactor));

    /// <summary>
    /// Waits for a line of the current incarnation (or from line <paramref name="fromLine"/> of <see cref="Lines"/>)
    /// matching <paramref name="pattern"/>. Fails at once when the process has exited and its output is drained.
    /// </summary>
    public Match WaitForLine(Regex pattern, TimeSpan? timeout = null, int? fromLine = null)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var limit = timeout is { } t ? Dilated(t) : DefaultTimeout;
        var stop = Stopwatch.StartNew();
        lock (_gate)
        {
            var next = fromLine ?? _incarnationStart;
            while (true)
            {
                for (; next < _lines.Count; next++)
                {
                    var match = pattern.Match(_lines[next]);
                    if (match.Success) return match;
                }

                var exited = _openStreams == 0 && _process is { HasExited: true };
                var left = limit - stop.Elapsed;
                if (exited || left <= TimeSpan.Zero)
                {
                    var why = exited ? $"it exited with code {_process!.ExitCode} first" : $"not within {limit.TotalSeconds:0.#} s";
                    throw new XunitException($"{Describe()}: no line matching /{pattern}/; {why}. {Tail()}");
                }

                // Pulsed on every line and at end of output; the bound keeps an exit without output noticed.
                Monitor.Wait(_gate, left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
            }
        }
    }

    public Match WaitForLine(string pattern, TimeSpan? timeout = null, int? fromLine = null) =>
        WaitForLine(new Regex(pattern, RegexOptions.CultureInvariant), timeout, fromLine);

    /// <summary>Waits until the process has exited and its output is read; returns the exit code.</summary>
    public int WaitForExit(TimeSpan? timeout = null)
    {
        var limit = timeout is { } t ? Dilated(t) : DefaultTimeout;
        var process = Current;
        if (!process.WaitForExit(limit)) throw new XunitException($"{Describe()}: still running after {limit.TotalSeconds:0.#} s. {Tail()}");
        process.WaitForExit();
        return process.ExitCode;
    }

    /// <summary>SIGKILL: no shutdown hooks, sockets dropped by the kernel. Returns once it is gone.</summary>
    public void Kill9()
    {
        var process = Current;
        if (process.HasExited) return;
        process.Kill();
        WaitForExit();
    }

    /// <summary>SIGSTOP: the process freezes (threads, timers, sockets unanswered) until <see cref="Resume"/>.</summary>
    public void Pause() => PosixSignals.Send(RunningPid("pause"), PosixSignals.Stop, "SIGSTOP");

    /// <summary>SIGCONT.</summary>
    public void Resume() => PosixSignals.Send(RunningPid("resume"), PosixSignals.Cont, "SIGCONT");

    /// <summary>SIGTERM, then waits for the process to exit on its own; returns the exit code.</summary>
    public int StopGracefully(TimeSpan? timeout = null)
    {
        PosixSignals.Send(RunningPid("stop"), PosixSignals.Term, "SIGTERM");
        return WaitForExit(timeout);
    }

    /// <summary>Starts a new incarnation with the same arguments; the previous one must have exited.</summary>
    public void Restart() => Restart(_args);

    /// <summary>Starts a new incarnation with <paramref name="args"/> (e.g. the port the first one bound); kept for later restarts.</summary>
    /// <exception cref="InvalidOperationException">When the current incarnation still runs.</exception>
    public void Restart(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!Current.HasExited) throw new InvalidOperationException($"{Describe()} still runs; Kill9 or StopGracefully it before Restart");
        Current.WaitForExit();
        _args = args;
        Launch();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
        }
        KillQuietly();
        Live.TryRemove(this, out _);
        _process?.Dispose();
        lock (_gate) _log?.Dispose();
    }

    public override string ToString() => Describe();

    private void Launch()
    {
        var start = new ProcessStartInfo(DotnetHost.Find())
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            WorkingDirectory = Options.WorkingDirectory ?? Path.GetDirectoryName(Path.GetFullPath(Options.Dll))!,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(Options.Dll);
        foreach (var arg in _args) start.ArgumentList.Add(arg);
        foreach (var (key, value) in Options.Environment)
        {
            if (value is null) start.Environment.Remove(key);
            else start.Environment[key] = value;
        }

        var process = new OsProcess { StartInfo = start };
        int incarnation;
        lock (_gate)
        {
            incarnation = ++_incarnation;
            _incarnationStart = _lines.Count;
            _openStreams = 2;
        }
        process.OutputDataReceived += (_, e) => OnLine(incarnation, e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(incarnation, e.Data);
        // No Exited handler that takes _gate: the runtime can raise Exited while holding its own lock on the process,
        // which WaitForLine's HasExited needs while it holds _gate (a lock-order deadlock that hung a short-lived child's
        // wait about one time in fifteen, 2026-12-07). WaitForLine polls every 200 ms instead.
        if (!process.Start()) throw new InvalidOperationException($"{Name}: dotnet did not start");
        var old = _process;
        _process = process;
        old?.Dispose();
        WriteLog($"=== {Name} incarnation {incarnation}: pid {process.Id}: {start.FileName} {string.Join(' ', start.ArgumentList)}");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    private void OnLine(int incarnation, string? line)
    {
        lock (_gate)
        {
            // A stream of an earlier incarnation can end after Restart began a new one.
            if (line is null)
            {
                if (incarnation == _incarnation) _openStreams--;
            }
            else
            {
                _lines.Add(line);
                _log?.WriteLine(line);
            }
            Monitor.PulseAll(_gate);
        }
    }

    private void WriteLog(string line)
    {
        lock (_gate) _log?.WriteLine(line);
    }

    private int RunningPid(string action)
    {
        var process = Current;
        if (process.HasExited) throw new InvalidOperationException($"cannot {action} {Describe()}: it has exited with code {process.ExitCode}");
        return process.Id;
    }

    private void KillQuietly()
    {
        try
        {
            if (_process is { HasExited: false } p)
            {
                p.Kill(entireProcessTree: true);
                p.WaitForExit(5000);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            // Already gone or never started: nothing left to clean up.
        }
    }

    private string Describe()
    {
        var pid = _process is { } p ? p.Id.ToString(CultureInfo.InvariantCulture) : "not started";
        return $"process '{Name}' (pid {pid}, incarnation {_incarnation})";
    }

    private string Tail()
    {
        lock (_gate)
        {
            var tail = _lines.Skip(Math.Max(0, _lines.Count - FailureTailLines)).ToList();
            var where = LogPath is null ? "" : $" (full log: {LogPath})";
            return tail.Count == 0
                ? $"It printed nothing{where}."
                : $"Last {tail.Count} lines{where}:{Environment.NewLine}{string.Join(Environment.NewLine, tail)}";
        }
    }

    private static double ReadDilation()
    {
        var text = Environment.GetEnvironmentVariable("CODISTILL_TEST_DILATION");
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : 1.0;
    }
}
