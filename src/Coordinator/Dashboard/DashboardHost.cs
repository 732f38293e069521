using ActorCodistill.Cluster.Configuration;
using ActorCodistill.Coordinator.Job;
using ActorCodistill.Coordinator.Reporting;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Dashboard;

/// <summary>
/// The dashboard of one run, as the process that runs the coordinator (the embedded <c>train</c>, or a seed) starts
/// it. What the hosting hands it: the run (info, spec, folder), an <see cref="Observer"/> to add beside the run's
/// recorder, the job (<see cref="Connect"/>, a <see cref="JobAsk"/>: status and changes, as ctl), and the cluster's
/// members (<see cref="IClusterView"/>). No actor type crosses this boundary.
/// </summary>
public sealed class DashboardHost : IDisposable
{
    private readonly DashboardServer _server;
    private readonly StatusPoller _poller;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _polling;

    public LiveRun Live { get; }

    /// <summary>Add beside the run's recorder (<see cref="FanOutObserver"/>): the coordinator's reports go to the page.</summary>
    public IRunObserver Observer { get; }

    /// <summary>Where the page is, e.g. http://127.0.0.1:41231/.</summary>
    public Uri Address => _server.Address;

    private DashboardHost(LiveRun live, DashboardServer server, StatusPoller poller)
    {
        Live = live;
        Observer = new LiveRunObserver(live);
        _server = server;
        _poller = poller;
        _polling = Task.Run(() => _poller.RunAsync(_stop.Token));
    }

    /// <summary>
    /// Starts the dashboard when <c>dashboard.enabled</c> is on (else returns null) and prints its address on
    /// <paramref name="console"/>. Bad settings, or an address it cannot listen on, throw naming the key.
    /// </summary>
    /// <param name="hosting">"embedded" or "seed": what the page says runs where.</param>
    /// <param name="members">The cluster's members; null = none known (the page shows the job's placement lines only).</param>
    /// <param name="compareWith">The finished run <c>training.compare-with</c> names: the page overlays its curve by default.</param>
    public static DashboardHost? StartIfEnabled(SettingsReader root, RunInfo info, JobSpec spec, string runDirectory, string? compareWith,
        string hosting, IClusterView? members, TextWriter console)
    {
        var settings = DashboardSettings.From(root);
        if (!settings.Enabled) return null;
        var run = new RunView(info.RunId, info.Label, spec.Task, spec.Groups, spec.WorkersPerGroup, spec.Steps, spec.Baseline, hosting,
            runDirectory, info.StartedUtc, compareWith is null ? null : Path.GetFileName(Path.TrimEndingDirectorySeparator(compareWith)));
        var live = new LiveRun(run, settings.AllowChanges);
        var poller = new StatusPoller(live, members, settings.StatusInterval);
        var past = new PastRuns(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(runDirectory))!);
        var authorizer = new ChangeAuthorizer(settings.AllowChanges, settings.Secret);
        var server = DashboardServer.StartAsync(settings, live, past, authorizer, () => poller.Ask).GetAwaiter().GetResult();
        var host = new DashboardHost(live, server, poller);
        console.WriteLine($"dashboard: {host.Address}" + (settings.AllowChanges ? " (changes on: they need the cluster secret or its dashboard token)" : ""));
        if (!settings.Loopback)
            console.WriteLine($"warning: the dashboard listens on {settings.Address}, not loopback: anyone who reaches it sees the run" +
                              (settings.AllowChanges ? ", and a secret typed into it travels unencrypted (plain HTTP)" : ""));
        return host;
    }

    /// <summary>The job is up: status comes from it, and changes go to it, through <paramref name="ask"/>.</summary>
    public void Connect(JobAsk ask) => _poller.Connect(ask);

    /// <summary>The job has ended with <paramref name="status"/>: the page shows it, and its live stream closes.</summary>
    public void Completed(JobStatus status)
    {
        Live.SetStatus(StatusPoller.View(status, Live.Run.Groups, Live.Run.Baseline));
        Live.MarkFinished();
    }

    public void Dispose()
    {
        Live.MarkFinished();
        // Pages that are connected get the run's last update (it says the run ended) before the server goes.
        SpinWait.SpinUntil(() => _server.OpenStreams == 0, TimeSpan.FromSeconds(2));
        _stop.Cancel();
        try
        {
            _polling.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // A failed poll has said why on the page already; stopping goes on.
        }
        _server.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }
}
