using System.Text;
using System.Text.RegularExpressions;
using ActorCodistill.Coordinator.Embedded;
using ActorCodistill.Coordinator.Tests.Job;

namespace ActorCodistill.Coordinator.Tests.Dashboard;

/// <summary>
/// A tiny embedded run (TinyJobs' LSTM on the generated corpus) with its dashboard on a free loopback port, run by
/// <see cref="TrainCommand"/> on a thread of its own, as <c>train --dashboard 127.0.0.1:0</c> runs it; held at the
/// steps of <paramref name="gates"/> until the test opens them.
/// </summary>
internal sealed partial class DashboardRun : IAsyncDisposable
{
    public const string Secret = "dashboard-test-secret-0123456789";

    private readonly StepGates _gates;
    private readonly string _logDir;
    private readonly ConsoleCapture _console = new();

    public Task<TrainCommand.Result> Completion { get; }
    public Uri Address { get; }
    public string Output => _console.ToString();

    private DashboardRun(StepGates gates, string logDir, Task<TrainCommand.Result> completion, Uri address, ConsoleCapture console)
    {
        _gates = gates;
        _logDir = logDir;
        Completion = completion;
        Address = address;
        _console = console;
    }

    /// <param name="settings">HOCON merged over the tiny job (groups, topology, steps, dashboard keys).</param>
    public static async Task<DashboardRun> StartAsync(StepGates gates, string settings)
    {
        var logDir = Path.Combine(Path.GetTempPath(), "codistill-dashboard-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(logDir);
        var configPath = Path.Combine(logDir, "tiny.conf");
        // A held step must not count as a hung one: step-timeout well above the gates' longest hold.
        File.WriteAllText(configPath, TinyJobs.ClusterConfig(logDir, Distributed.ClusterRunTests.FreePort(), Secret, failures: "checkpoint-interval = 10, step-timeout = 300s, probe-timeout = 5s") +
                                      $"\ndashboard {{ enabled = on, bind = \"127.0.0.1:0\", status-interval = 200ms }}\n{settings}\n");
        var console = new ConsoleCapture();
        var completion = Task.Factory.StartNew(
            () => TrainCommand.Run(new TrainCommand.Options(configPath, false, new Dictionary<string, string?>(), "live", Fault: gates), console),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var line = await Task.WhenAny(console.DashboardLine, completion).ConfigureAwait(false);
        if (line != console.DashboardLine)
        {
            gates.OpenAll();
            throw new InvalidOperationException($"the run ended before it printed its dashboard's address: {completion.Exception?.InnerException?.Message}\n{console}");
        }
        return new DashboardRun(gates, logDir, completion, new Uri(await console.DashboardLine.ConfigureAwait(false)), console);
    }

    public void Open(long step) => _gates.Open(step);

    /// <summary>Opens every gate and waits for the run to end (its own result, or its exception).</summary>
    public async Task<TrainCommand.Result> Finish()
    {
        _gates.OpenAll();
        var done = await Task.WhenAny(Completion, Task.Delay(TimeSpan.FromMinutes(4))).ConfigureAwait(false);
        Assert.True(done == Completion, $"the run did not end within 4 minutes after its gates opened:\n{Output}");
        return await Completion.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        _gates.OpenAll();
        await Task.WhenAny(Completion, Task.Delay(TimeSpan.FromMinutes(4))).ConfigureAwait(false);
        try
        {
            Directory.Delete(_logDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>The run's console: kept for failure messages; completes <see cref="DashboardLine"/> with the address printed at start-up.</summary>
    private sealed partial class ConsoleCapture : TextWriter
    {
        private readonly StringBuilder _text = new();
        private readonly TaskCompletionSource<string> _dashboard = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<string> DashboardLine => _dashboard.Task;
        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value)
        {
            lock (_text) _text.Append(value);
        }

        public override void Write(string? value)
        {
            lock (_text) _text.Append(value);
        }

        public override void WriteLine(string? value)
        {
            lock (_text) _text.Append(value).Append('\n');
            if (value is not null && Address().Match(value) is { Success: true } m) _dashboard.TrySetResult(m.Groups[1].Value);
        }

        public override string ToString()
        {
            lock (_text) return _text.ToString();
        }

        [GeneratedRegex(@"^dashboard: (http://\S+)")]
        private static partial Regex Address();
    }
}
