using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Tests.Job;

/// <summary>
/// Two-phase distillation (training.distill.teacher-checkpoint): a one-group job distils from a trained run's checkpoint
/// after burn-in, and resumed from its own recovery checkpoints it keeps the bits of an uninterrupted run (the fixed
/// teacher's copy travels in them as teacher group -1).
/// </summary>
[Trait("Category", "Integration")]
public sealed class TwoPhaseDistillationTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "codistill-two-phase-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    private static List<(long Step, long Loss, long Distill)> Bits(CapturingObserver observer) =>
        observer.Steps.Select(s => (s.Step, BitConverter.DoubleToInt64Bits(s.Losses.Loss), BitConverter.DoubleToInt64Bits(s.Losses.DistillLoss)))
            .OrderBy(s => s.Step).ToList();

    [Fact]
    public void AStudentDistilsFromTheTrainedModelAfterBurnIn_AndResumesWithTheBitsOfAnUninterruptedRun()
    {
        // The teacher: a baseline run whose recovery checkpoints are files.
        var teacherDir = Path.Combine(_directory, "teacher");
        var teacherSpec = TinyJobs.Spec(steps: 12, workers: 1, baseline: true) with
        {
            Failures = FailureSpec.Default with { CheckpointInterval = 6 },
        };
        TinyJobs.Run(teacherSpec, checkpoints: new FileGroupCheckpoints(teacherDir));
        var teacherFile = Path.Combine(teacherDir, $"group-0.{12 - 6:D20}.ckpt");
        Assert.True(File.Exists(teacherFile), string.Join(", ", Directory.GetFiles(teacherDir)));

        var student = TinyJobs.Spec(steps: 16, burnIn: 3, groups: 1, workers: 2) with
        {
            FixedTeacher = teacherFile,
            ReloadMode = ReloadMode.Exact,
            Failures = FailureSpec.Default with { CheckpointInterval = 4 },
        };
        var (completed, uninterrupted, _) = TinyJobs.Run(student);
        Assert.Empty(completed.Failures);
        Assert.All(uninterrupted.Steps, s => Assert.Equal(s.Step > 3, s.DistillOn));
        Assert.All(uninterrupted.Steps.Where(s => s.Step > 3), s => Assert.True(s.Losses.DistillLoss > 0, $"step {s.Step}: no distillation term"));
        Assert.Contains(uninterrupted.Events, e => e.Contains("two-phase distillation", StringComparison.Ordinal));

        var studentDir = Path.Combine(_directory, "student");
        TinyJobs.Run(student with { Steps = 10 }, checkpoints: new FileGroupCheckpoints(studentDir));
        var (_, resumed, _) = TinyJobs.Run(student, checkpoints: new FileGroupCheckpoints(studentDir));
        Assert.Contains("0@8: resuming from the recovery checkpoint of step 8", resumed.Events);
        Assert.Equal(Bits(uninterrupted).Where(s => s.Step > 8), Bits(resumed));
    }
}
