using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Tests.Job;

/// <summary>
/// A job whose groups cannot be started ends, failed, naming why: the coordinator threw out of its start, was restarted
/// by its supervisor, recovered the journal and threw again, forever (found 2026-12-08 when a one-group job with the
/// pairwise topology looped on "recovered job ... from the journal").
/// </summary>
[Trait("Category", "Integration")]
public sealed class UnstartableJobTests
{
    [Fact]
    public void AJobWhoseTopologyCannotBeWired_EndsFailedWithTheReason_InsteadOfRestartingForever()
    {
        // Past the reader's checks (a spec built in code): pairwise with three groups.
        var spec = TinyJobs.Spec(groups: 3, workers: 1) with { Topology = TopologyKind.Pairwise };
        var (completed, observer, _) = TinyJobs.Run(spec);
        var failure = Assert.Single(completed.Failures);
        Assert.Contains("could not be started", failure);
        Assert.Contains("pairwise", failure);
        Assert.DoesNotContain(observer.Events, e => e.Contains("recovered job", StringComparison.Ordinal));
    }
}
