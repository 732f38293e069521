using System.Collections.Concurrent;
using ActorCodistill.Cluster.Diagnostics;
using Akka.Actor;
using ActorCodistill.Workers.Actors;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Tests.Job;

/// <summary>
/// A job resumed in reload-mode exact on checkpoint files some of which are damaged (issue 19, finding 6): every group
/// resumes from the newest step of which every group has an intact checkpoint, or every group starts from scratch, and
/// the run keeps the bits of an uninterrupted one; a reload boundary never waits for a copy that cannot come, and one
/// that waits long says so in a warning (docs/training.md, Recovery checkpoints).
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

        var (_, resumed, _) = TinyJobs.Run(spec, checkpoints: new FileGroupCheckpoints(_directory), logs: logs.Write);

        Assert.Contains(resumed.Events, e => e.StartsWith($"0@0: skipped a damaged recovery checkpoint: {File(0, 8)}: ", StringComparison.Ordinal));
        Assert.Contains("0@4: resuming from the recovery checkpoint of step 4", resumed.Events);
        Assert.Contains("1@4: resuming from the recovery checkpoint of step 4 (the newest step every group has one of; its own newest is of step 8)",
            resumed.Events);
        Assert.Equal(Bits(uninterrupted).Where(s => s.Step > 4), Bits(resumed));
        Assert.DoesNotContain(resumed.Events, e => e.Contains("no longer reproducible", StringComparison.Ordinal));
        Assert.Contains(logs.Lines, l => l.Level == "WARNING" && l.Message.StartsWith("group 0: skipped a damaged recovery checkpoint", StringComparison.Ordinal));
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

        var (_, resumed, _) = TinyJobs.Run(spec, checkpoints: new FileGroupCheckpoints(_directory), logs: logs.Write);

        Assert.Equal(Bits(uninterrupted), Bits(resumed));
        Assert.DoesNotContain(resumed.Events, e => e.Contains("teacher copies", StringComparison.Ordinal));
        Assert.Equal(2, resumed.Events.Count(e => e.StartsWith("0@0: skipped a damaged recovery checkpoint: ", StringComparison.Ordinal)));
        Assert.Contains("0@0: starting from scratch: none of its 2 recovery checkpoint(s) is intact (reload-mode exact: so every group starts from scratch)",
            resumed.Events);
        Assert.Contains(resumed.Events, e => e.StartsWith("1@0: starting from scratch although it has a recovery checkpoint of step 8: group(s) [0] have no intact one (2 damaged: ",
            StringComparison.Ordinal) && e.Contains(File(0, 4), StringComparison.Ordinal) && e.Contains(File(0, 8), StringComparison.Ordinal));
        Assert.DoesNotContain(resumed.Events, e => e.Contains("resuming", StringComparison.Ordinal));
        Assert.Contains(logs.Lines, l => l.Level == "WARNING" && l.Message.StartsWith("group 1: starting from scratch although", StringComparison.Ordinal));
    }

    [Fact]
    public void ACopyThatCannotComeAnyMore_IsNotAwaited_TheBoundaryLoadsTheNewestAtOnce_WithAWarning()
    {
        // Group 0's checkpoint of step 8 stops loading after the plan chose step 8 (damaged in between): group 0 starts
        // from scratch, group 1 resumes from 8 and sends its copy of step 8 at once. At boundary 5 group 0 needs group
        // 1's copy of step 4, which group 1 will not send again: a later copy has come, so it loads the newest at once
        // instead of waiting the step-timeout (which it used to do at this boundary, with an INFO line).
        var spec = Spec();
        var checkpoints = new InMemoryGroupCheckpoints();
        TinyJobs.Run(spec with { Steps = 10 }, checkpoints: checkpoints);
        var logs = new CapturingLogSink();

        var (_, resumed, _) = TinyJobs.Run(spec, checkpoints: new GroupZeroFailsToLoad(checkpoints), logs: logs.Write);

        Assert.DoesNotContain(resumed.Events, e => e.Contains("have not come within step-timeout", StringComparison.Ordinal));
        Assert.Contains("0@0: the recovery checkpoint of step 8, from which every group resumes, no longer loads; starting from scratch " +
                        "(reload-mode exact: this run is no longer reproducible)", resumed.Events);
        Assert.Contains("1@8: resuming from the recovery checkpoint of step 8", resumed.Events);
        // Which later copy group 1 has sent by then (of step 8, or of 12 when it got that far first) depends on the pace.
        Assert.Contains(resumed.Events, e => System.Text.RegularExpressions.Regex.IsMatch(e,
            @"^0@5: the teacher copies of step 4 from group\(s\) \[1\] will not come: group 1 has already sent its copy of step (8|12) \(it is further on than this group\); " +
            @"loading the newest copies instead \(reload-mode exact: this run is no longer reproducible\)$"));
        Assert.Equal(Enumerable.Range(1, 16).Select(i => (long)i), resumed.Steps.Where(s => s.Group == 0).Select(s => s.Step));
        Assert.Equal(Enumerable.Range(9, 8).Select(i => (long)i), resumed.Steps.Where(s => s.Group == 1).Select(s => s.Step));
        Assert.All(resumed.Steps, s => Assert.True(double.IsFinite(s.Losses.Loss)));
        Assert.Contains(logs.Lines, l => l.Level == "WARNING" && l.Message.StartsWith("group 0: the teacher copies of step 4 from group(s) [1] will not come",
            StringComparison.Ordinal));
    }

    [Fact]
    public void ABoundaryThatWaitsLong_WarnsWhyForWhatAndUntilWhen_BeforeTheStepTimeout()
    {
        // A worker of group 0 hangs for 4 s in step 7, so its copy of step 8 comes about 4 s late; group 1 waits for it
        // at boundary 9. The step-timeout is 8 s: after 2 s (a quarter of it) group 1 warns whom it waits for, which step,
        // and when it gives up; the copy then comes and the run stays exact.
        var spec = TinyJobs.Spec(steps: 12) with
        {
            ReloadMode = ReloadMode.Exact, Failures = FailureSpec.Default with { StepTimeout = TimeSpan.FromSeconds(8) },
        };
        var logs = new CapturingLogSink();

        var (_, observer, _) = TinyJobs.Run(spec, new FaultInjection(group: 0, rank: 0, step: 7, hang: TimeSpan.FromSeconds(4)), logs: logs.Write);

        const string expected = "1@9: step 9 has waited 2s for the teacher copies of step 8 from group(s) [0] (reload-mode exact: a reload boundary " +
                                "loads the copies its teacher groups took at the step before it; group 0's newest copy here is of step 4); if they have " +
                                "not come within step-timeout 8s, in 6s, it loads the newest copies instead and the run is no longer reproducible";
        Assert.Contains(expected, observer.Events);
        Assert.Contains(logs.Lines, l => l.Level == "WARNING" && l.Message == "group 1: " + expected[5..]);
        Assert.DoesNotContain(observer.Events, e => e.Contains("loading the newest copies instead", StringComparison.Ordinal));
        Assert.Equal(24, observer.Steps.Count);
        Assert.Equal(TinyJobs.ExactAge(9, spec.ReloadInterval), observer.Steps.Single(s => s.Group == 1 && s.Step == 9).TeacherAges[0]);
    }

    /// <summary>The checkpoints, except that group 0's no longer loads after the resume plan verified it.</summary>
    private sealed class GroupZeroFailsToLoad(IGroupCheckpoints inner) : IGroupCheckpoints
    {
        public void Save(GroupCheckpoint checkpoint) => inner.Save(checkpoint);

        public GroupCheckpoint? LoadLatest(int group, Action<string>? onSkipped = null, long? atMost = null) =>
            group == 0 ? null : inner.LoadLatest(group, onSkipped, atMost);

        public IReadOnlyList<long> Steps(int group) => inner.Steps(group);

        public IReadOnlyList<long> IntactSteps(int group, Action<string>? onDamaged = null) => inner.IntactSteps(group, onDamaged);
    }

    private sealed class CapturingLogSink
    {
        public ConcurrentQueue<ProductLogRecord> Lines { get; } = new();

        public void Write(ProductLogRecord record)
        {
            Lines.Enqueue(record);
            Console.Error.WriteLine(record.ToString());
        }
    }
}
