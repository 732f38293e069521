using ActorCodistill.Coordinator.Job;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Dashboard;

/// <summary>
/// Asks the job for its status (as <c>ctl status</c> does) and the cluster view for its members every
/// <c>dashboard.status-interval</c>, into the live run. Until the hosting connects the job (<see cref="Connect"/>) only
/// members are read. A status request that fails keeps the last answer and says why.
/// </summary>
public sealed class StatusPoller(LiveRun live, IClusterView? members, TimeSpan interval)
{
    private volatile JobAsk? _ask;

    public JobAsk? Ask => _ask;

    public void Connect(JobAsk ask) => _ask = ask;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval);
        do
        {
            await PollOnce(cancellationToken).ConfigureAwait(false);
        }
        while (await WaitNext(timer, cancellationToken).ConfigureAwait(false));
    }

    private static async Task<bool> WaitNext(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async Task PollOnce(CancellationToken cancellationToken)
    {
        if (members is not null)
        {
            try
            {
                live.SetMembers(members.Members());
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A members view that fails leaves the last list on the page; the next poll tries again.
            }
        }
        if (_ask is not { } ask) return;
        try
        {
            var answer = await ask(new GetStatus(), cancellationToken).ConfigureAwait(false);
            if (answer is JobStatus status) live.SetStatus(View(status, live.Run.Groups, live.Run.Baseline));
            else if (answer is ReconfigureResult refused) live.StatusFailed(refused.Message);
            else live.StatusFailed($"unexpected answer {answer.GetType().Name}");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            live.StatusFailed($"the coordinator did not answer: {e.Message}");
        }
    }

    /// <summary>The coordinator's status as the page shows it, with the teacher edges its topology gives each group.</summary>
    public static StatusView View(JobStatus s, int groups, bool baseline)
    {
        var teachers = new SortedDictionary<int, IReadOnlyList<int>>();
        for (var g = 0; g < groups; g++)
        {
            teachers[g] = baseline || (s.Topology == TopologyKind.Pairwise && groups != 2)
                ? []
                : Topology.TeachersOf(s.Topology, g, groups);
        }
        return new StatusView(s.Phase.ToString().ToLowerInvariant(), Topology.Name(s.Topology), s.ReloadInterval, s.DistillWeight,
            new SortedDictionary<int, long>(s.GroupSteps.ToDictionary()), new SortedDictionary<int, int>(s.GroupMembers.ToDictionary()), s.Steps,
            s.RecentEvents, s.Placement, teachers, DateTimeOffset.UtcNow);
    }
}
