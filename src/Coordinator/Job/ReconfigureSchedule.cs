namespace ActorCodistill.Coordinator.Job;

/// <summary>
/// Picks, or checks, the step at which every group applies a topology, reload-interval or weight change, so that all
/// groups switch at the same step: what a run computes then does not depend on when the change was sent relative to
/// each group's progress (and reload-mode exact runs stay reproducible through a change).
/// </summary>
public static class ReconfigureSchedule
{
    /// <summary>The step for <paramref name="change"/>, or the reason it cannot be scheduled.</summary>
    /// <param name="frontier">The highest step any group is known to have completed.</param>
    /// <remarks>
    /// A group plans its next step as soon as it has completed one, so step <c>frontier + 1</c> may have begun; by the
    /// coordinator's count the first step no group can have begun is <c>frontier + 2</c>, the earliest an operator may
    /// ask for. The default goes <see cref="DefaultLead"/> steps further: the count lags while reports queue in the
    /// coordinator's mailbox, and on a fast host (a tiny job at ~3 ms a step) a group had begun <c>frontier + 2</c> by the
    /// time the change reached it, so it switched a step later than the others. Changes are applied in order, so a step is never
    /// before the last one scheduled. A reload-interval change applies at a reload boundary of the interval it
    /// replaces (a step s with (s - 1) % K == 0): the copies taken after step s - 1 were exported under the old interval,
    /// and every boundary from s on needs copies exported under the new one.
    /// </remarks>
    public static (long Step, string? Error) At(JobState state, ScheduledChange change, long frontier)
    {
        var first = Math.Max(frontier + 2 + (change.AtStep is null ? DefaultLead : 0), Math.Max(state.LastScheduledStep, 1));
        var interval = state.ReloadInterval;
        if (change.AtStep is not { } at)
        {
            var step = change is ChangeReloadInterval ? NextBoundary(first, interval) : first;
            return step > state.Steps
                ? (0, $"the job has no step left to apply it at: it ends at step {state.Steps} and the groups are at step {frontier}")
                : (step, null);
        }
        if (at < 1) return (0, $"step {at} is not a step of the job (1 to {state.Steps})");
        if (at < frontier + 2)
            return (0, $"step {at} may already have begun: the groups are at step {frontier}; choose step {frontier + 2} or later");
        if (at < state.LastScheduledStep)
            return (0, $"a change is already scheduled for step {state.LastScheduledStep}; changes apply in order, so choose that step or a later one");
        if (at > state.Steps) return (0, $"step {at} is after the job's last step ({state.Steps})");
        if (change is ChangeReloadInterval && (at - 1) % interval != 0)
        {
            var next = NextBoundary(first, interval);
            return (0, $"a reload-interval change applies at a reload boundary, a step s with (s - 1) % {interval} == 0: the next ones are {next} and {next + interval}");
        }
        return (at, null);
    }

    /// <summary>Steps beyond the first one no group can have begun by the coordinator's count, for a change that names no step.</summary>
    public const long DefaultLead = 6;

    /// <summary>The first reload boundary (a step s with (s - 1) % interval == 0) at or after <paramref name="from"/>.</summary>
    public static long NextBoundary(long from, long interval) => from + (interval - (from - 1) % interval) % interval;
}
