using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Tests.Job;

/// <summary>
/// A resumed job's events carry the step the group is at: before its first step, its checkpoint's (issue 19, finding 8:
/// after a seed restart the resume and placement events were labelled "@ 0").
/// </summary>
[Trait("Category", "Integration")]
public sealed class EventStepTests
{
    [Fact]
    public void AResumedGroupsEvents_AreLabelledWithItsCheckpointsStep_NotZero()
    {
        var spec = TinyJobs.Spec(steps: 12, baseline: true) with { Failures = FailureSpec.Default with { CheckpointInterval = 4 } };
        var checkpoints = new InMemoryGroupCheckpoints();
        TinyJobs.Run(spec with { Steps = 9 }, checkpoints: checkpoints);

        var (_, resumed, _) = TinyJobs.Run(spec, checkpoints: checkpoints);

        var resumes = resumed.Events.Where(e => e.EndsWith("resuming from the recovery checkpoint of step 8", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, resumes.Count);
        Assert.All(resumes, e => Assert.Matches(@"^[01]@8: ", e));
        Assert.DoesNotContain(resumed.Events, e => e.StartsWith("0@0:", StringComparison.Ordinal) || e.StartsWith("1@0:", StringComparison.Ordinal));
    }
}
