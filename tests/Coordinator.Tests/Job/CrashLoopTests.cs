using ActorCodistill.Coordinator.Embedded;
using ActorCodistill.Coordinator.Tests.Distributed;
using ActorCodistill.Workers.Actors;

namespace ActorCodistill.Coordinator.Tests.Job;

/// <summary>
/// A worker that fails every time it reaches a step (a crash loop: bad data, a broken layer) makes its group give up
/// after max-worker-failures, and the run ends with an error naming the group, the count, the last failure and what to
/// do, not as a finished job (issue 19, finding 1: a job whose worker kept failing exited as if nothing happened, or
/// hung); the run folder is not journalled as finished, so the same command resumes once the cause is gone.
/// </summary>
[Trait("Category", "Integration")]
public sealed class CrashLoopTests
{
    [Fact]
    public void AGroupThatGivesUp_EndsTheRunWithAnError_AndTheRunResumesOnceTheCauseIsGone()
    {
        var logDir = Path.Combine(Path.GetTempPath(), "codistill-crash-loop-" + Guid.NewGuid().ToString("N")[..8]);
        var configPath = ClusterRunTests.TinyClusterConfig(logDir, ClusterRunTests.FreePort(),
            "training { steps = 16, eval-interval = 8, print-every = 16, failures { max-worker-failures = 2, checkpoint-interval = 4 } }");
        try
        {
            var overrides = new Dictionary<string, string?>();
            // Group 0's slot 1 throws at step 6 and every later one, in every replacement.
            var e = Assert.Throws<JobFailedException>(() => TrainCommand.Run(
                new TrainCommand.Options(configPath, false, overrides, "loop", Fault: new FaultInjection(0, 1, 6, fromStepOn: true)), TextWriter.Null));
            Assert.Contains("group 0 stopped at step", e.Message);
            Assert.Contains("3 worker failures, more than training.failures.max-worker-failures 2", e.Message);
            Assert.Contains("injected fault in worker 0/1 at step", e.Message);
            Assert.Contains("run the same command again to resume", e.Message);
            Assert.True(e.Result.Completed.Status.GroupSteps[0] < 16);

            // Without the fault the same run folder resumes (it was not journalled as finished) and finishes.
            var resumed = TrainCommand.Run(new TrainCommand.Options(configPath, false, overrides, "loop"), TextWriter.Null);
            Assert.Empty(resumed.Completed.Failures);
            Assert.All(resumed.Completed.Status.GroupSteps.Values, steps => Assert.Equal(16, steps));
        }
        finally
        {
            try { Directory.Delete(logDir, recursive: true); } catch (IOException) { }
        }
    }
}
