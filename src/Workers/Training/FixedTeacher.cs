using System.Globalization;
using System.Numerics.Tensors;
using System.Text.RegularExpressions;

namespace ActorCodistill.Workers.Training;

/// <summary>
/// Two-phase distillation's teacher (paper section 3.3: train a teacher, then distill a fresh student from it):
/// <c>training.distill.teacher-checkpoint</c> names a recovery checkpoint file of a finished run
/// (<c>RUN/checkpoints/group-G.STEP.ckpt</c>), and the job's group distills from that model after burn-in, exactly as
/// it would from a live teacher's copy (float16 weights, the same psi, temperature and weight), except that the copy
/// never changes. The group holds it as teacher group <see cref="Group"/>, so recovery checkpoints, replacements and
/// resumes carry it like any copy.
/// </summary>
public static partial class FixedTeacher
{
    /// <summary>The teacher group id of the fixed teacher (no live group has it).</summary>
    public const int Group = -1;

    public const string Key = "training.distill.teacher-checkpoint";

    [GeneratedRegex(@"^group-(\d+)\.(\d+)\.ckpt$")]
    private static partial Regex FileName();

    /// <summary>
    /// The checkpoint's weights as the teacher copy of step STEP. Errors name the key and the file: none there, not a
    /// checkpoint file, damaged, or (with <paramref name="expectedParameters"/>) another model's.
    /// </summary>
    public static TeacherCheckpoint Load(string path, int? expectedParameters = null)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new ArgumentException($"{Key}: there is no file {full}");
        if (Parse(full) is not var (group, step))
            throw new ArgumentException($"{Key}: {full} is not a recovery checkpoint file (a run's checkpoints/group-G.STEP.ckpt)");
        string? damaged = null;
        var loaded = new FileGroupCheckpoints(Path.GetDirectoryName(full)!).LoadLatest(group, reason => damaged ??= reason, atMost: step);
        if (loaded is null || loaded.Step != step)
            throw new ArgumentException($"{Key}: {full} does not load" + (damaged is null ? "" : $" ({damaged})"));
        if (expectedParameters is { } expected && loaded.Parameters.Length != expected)
            throw new ArgumentException(
                $"{Key}: {full} holds a model of {loaded.Parameters.Length} parameters, this job's model has {expected} (another model or other sizes)");
        var weights = new Half[loaded.Parameters.Length];
        TensorPrimitives.ConvertToHalf(loaded.Parameters, weights);
        return new TeacherCheckpoint(Group, step, weights);
    }

    /// <summary>The step of the checkpoint file <paramref name="path"/> names (group-G.STEP.ckpt), or null for another name.</summary>
    public static long? StepOf(string path) => Parse(path)?.Step;

    private static (int Group, long Step)? Parse(string path) =>
        FileName().Match(Path.GetFileName(path)) is { Success: true } name
            ? (int.Parse(name.Groups[1].Value, CultureInfo.InvariantCulture), long.Parse(name.Groups[2].Value, CultureInfo.InvariantCulture))
            : null;
}
