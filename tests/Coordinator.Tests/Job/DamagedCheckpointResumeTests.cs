using System.Collections.Concurrent;
using ActorCodistill.Cluster.Actors;
using ActorCodistill.Workers.Actors;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Tests.Job;

/// <summary>
/// A job resumed in reload-mode exact on checkpoint files some of which are damaged (issue 19, finding 6): every group
/// resumes from the newest step of which every group has an intact checkpoint, or every group starts from scratch, and
/// the run keeps the bits of an uninterrupted one (docs/training.md, Recovery checkpoints).
/// </summary>
[Trait("Category", "Integration")]
public sealed class DamagedCheckpointResumeTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "codistill-damaged-ckpt-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    // Checkpoints every 4 steps; a short step-timeout, so that a boundary waiting for a copy that cannot come costs
    // seconds here (a minute with the default).
    private static JobSpec Spec() => TinyJobs.Spec(steps: 16) with
    {
        Failures = FailureSpec.Default with { CheckpointInterval = 4, StepTimeout = TimeSpan.FromSeconds(5) },
        ReloadMode = ReloadMode.Exact,
    };

    private static List<(int Group, long Step, long Loss, long Task)> Bits(CapturingObserver observer) =>
        observer.Steps.Select(s => (s.Group, s.Step, BitConverter.DoubleToInt64Bits(s.Losses.Loss), BitConverter.DoubleToInt64Bits(s.Losses.TaskLoss)))
            .OrderBy(s => (s.Group, s.Step)).ToList();

    private string File(int group, long step) => Path.Combine(_directory, $"group-{group}.{step:D20}.ckpt");

    private static void Damage(string path, bool truncate)
    {
        var bytes = System.IO.File.ReadAllBytes(path);
        if (truncate)
        {
            System.IO.File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
            return;
        }
        // One flipped byte in the payload: the header still reads (the file is listed), only the checksum tells.
        bytes[^40] ^= 0xFF;
        System.IO.File.WriteAllBytes(path, bytes);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void GroupZerosNewestCheckpointDamaged_EveryGroupResumesFromTheNewestStepAllHaveIntact_WithTheBitsOfAnUninterruptedRun(bool truncate)
    {
        // A first run ends after step 10 with checkpoints of steps 4 and 8 of each group; group 0's of step 8 is then
        // damaged. Both groups resume from step 4. Before, the damaged file still counted when the common step was
        // chosen (a bit flip leaves its header readable): group 1 resumed from 8 and group 0 from 4.
        var spec = Spec();
        var (_, uninterrupted, _) = TinyJobs.Run(spec);
        TinyJobs.Run(spec with { Steps = 10 }, checkpoints: new FileGroupCheckpoints(_directory));
        Damage(File(0, 8), truncate);
        var logs = new CapturingLogSink();

        var (_, resumed, _) = TinyJobs.Run(spec, checkpoints: new FileGroupCheckpoints(_directory), logs: logs);

        Assert.Contains(resumed.Events, e => e.StartsWith($"0@0: skipped a damaged recovery checkpoint: {File(0, 8)}: ", StringComparison.Ordinal));
        Assert.Contains("0@0: resuming from the recovery checkpoint of step 4", resumed.Events);
        Assert.Contains("1@0: resuming from the recovery checkpoint of step 4 (the newest step every group has one of; its own newest is of step 8)",
            resumed.Events);
        Assert.Equal(Bits(uninterrupted).Where(s => s.Step > 4), Bits(resumed));
        Assert.DoesNotContain(resumed.Events, e => e.Contains("no longer reproducible", StringComparison.Ordinal));
        Assert.Contains(logs.Lines, l => l.Level == LogLevel.Warning && l.Message.StartsWith("group 0: skipped a damaged recovery checkpoint", StringComparison.Ordinal));
    }

    [Fact]
    public void EveryCheckpointOfGroupZeroDamaged_EveryGroupStartsFromScratch_WithWarnings_AndNoBoundaryWaits()
    {
        // Both of group 0's checkpoints damaged: group 1 gives up its checkpoint of step 8 and starts from scratch too,
        // so the run is the uninterrupted one. Before, group 0 started from scratch while group 1 resumed from 8, and
        // group 0's boundaries each waited the whole step-timeout for copies group 1 had sent before the restart.
        var spec = Spec();
        var (_, uninterrupted, _) = TinyJobs.Run(spec);
        TinyJobs.Run(spec with { Steps = 10 }, checkpoints: new FileGroupCheckpoints(_directory));
        Damage(File(0, 8), truncate: false);
        Damage(File(0, 4), truncate: false);
        var logs = new CapturingLogSink();

        var (_, resumed, _) = TinyJobs.Run(spec, checkpoints: new FileGroupCheckpoints(_directory), logs: logs);

        Assert.Equal(Bits(uninterrupted), Bits(resumed));
        Assert.DoesNotContain(resumed.Events, e => e.Contains("teacher copies", StringComparison.Ordinal));
        Assert.Equal(2, resumed.Events.Count(e => e.StartsWith("0@0: skipped a damaged recovery checkpoint: ", StringComparison.Ordinal)));
        Assert.Contains("0@0: starting from scratch: none of its 2 recovery checkpoint(s) is intact (reload-mode exact: so every group starts from scratch)",
            resumed.Events);
        Assert.Contains(resumed.Events, e => e.StartsWith("1@0: starting from scratch although it has a recovery checkpoint of step 8: group(s) [0] have no intact one (2 damaged: ",
            StringComparison.Ordinal) && e.Contains(File(0, 4), StringComparison.Ordinal) && e.Contains(File(0, 8), StringComparison.Ordinal));
        Assert.DoesNotContain(resumed.Events, e => e.Contains("resuming", StringComparison.Ordinal));
        Assert.Contains(logs.Lines, l => l.Level == LogLevel.Warning && l.Message.StartsWith("group 1: starting from scratch although", StringComparison.Ordinal));
    }

    private sealed class CapturingLogSink : ILogSink
    {
        public ConcurrentQueue<LogEvent> Lines { get; } = new();

        public void Write(LogEvent logEvent)
        {
            Lines.Enqueue(logEvent);
            Console.Error.WriteLine(logEvent.ToString());
        }
    }
}
