using ActorCodistill.Coordinator.Embedded;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Experiments;

/// <summary>What became of one run of the grid in this invocation.</summary>
public enum RunOutcome
{
    /// <summary>Found finished; not run again.</summary>
    Skipped,

    /// <summary>Run from its start.</summary>
    Ran,

    /// <summary>Found interrupted and resumed (from its recovery checkpoints and journal).</summary>
    Resumed,

    /// <summary>Ended without finishing (a failure, or the trainer refused the folder); the others went on.</summary>
    Failed,

    /// <summary>Not finished, and not run in this invocation (<c>experiment --report-only</c>).</summary>
    NotRun,
}

/// <param name="Error">Why a failed run failed.</param>
public sealed record RunResult(RunPlan Plan, string Directory, RunOutcome Outcome, string? Error);

/// <summary>
/// Runs an experiment's grid one run after another, each through <see cref="TrainCommand.Run(TrainCommand.Options, TextWriter)"/>
/// exactly as <c>train --config ... --set ... --run-name ...</c> would: finished runs are skipped, interrupted ones resumed
/// (the trainer resumes a folder with the same run name), and a run that fails is reported and does not stop the others.
/// </summary>
public static class ExperimentRunner
{
    /// <param name="reportOnly">Run nothing: finished runs count as skipped, the others as not run.</param>
    /// <param name="run">Runs one training job (the trainer; tests may count calls). Null: <see cref="TrainCommand.Run(TrainCommand.Options, TextWriter)"/>.</param>
    public static IReadOnlyList<RunResult> Run(ExperimentSpec spec, IReadOnlyList<RunPlan> plans, IReadOnlyList<long> plannedSteps, TextWriter console,
        bool reportOnly = false, Action<TrainCommand.Options, TextWriter>? run = null)
    {
        run ??= (options, output) => TrainCommand.Run(options, output);
        var results = new List<RunResult>();
        for (var i = 0; i < plans.Count; i++)
        {
            var plan = plans[i];
            var directory = Path.GetFullPath(Path.Combine(spec.LogDir, plan.RunName));
            var state = RunFolderState.Of(directory, plannedSteps[i]);
            var header = $"[experiment {spec.Name}: run {i + 1}/{plans.Count}, {plan.RunName}]";
            if (state == RunState.Finished)
            {
                console.WriteLine($"{header} finished earlier: skipped ({directory})");
                results.Add(new RunResult(plan, directory, RunOutcome.Skipped, null));
                continue;
            }
            if (reportOnly)
            {
                console.WriteLine($"{header} {(state == RunState.Interrupted ? "interrupted" : "not started")}: not run (--report-only)");
                results.Add(new RunResult(plan, directory, RunOutcome.NotRun, null));
                continue;
            }
            console.WriteLine($"{header} {(state == RunState.Interrupted ? "interrupted earlier: resuming" : "starting")}");
            try
            {
                var overrides = plan.Overrides;
                if (plan.Variant.TeacherFrom is { } teacher)
                {
                    var teacherRun = ExperimentGrid.RunName(teacher, plan.Seed);
                    if (results.FirstOrDefault(r => r.Plan.RunName == teacherRun) is not { Outcome: RunOutcome.Ran or RunOutcome.Resumed or RunOutcome.Skipped })
                        throw new ArgumentException($"its teacher's run {teacherRun} did not finish: nothing to distill from");
                    overrides = new Dictionary<string, string?>(overrides, StringComparer.Ordinal)
                    {
                        [FixedTeacher.Key] = TeacherCheckpointOf(Path.Combine(spec.LogDir, teacherRun)),
                    };
                }
                run(new TrainCommand.Options(spec.TrainerConfig, plan.Variant.Baseline, overrides, plan.RunName), console);
                results.Add(new RunResult(plan, directory, state == RunState.Interrupted ? RunOutcome.Resumed : RunOutcome.Ran, null));
            }
            catch (Exception e) when (e is JobFailedException or JobInterruptedException or ArgumentException or InvalidDataException or IOException)
            {
                console.WriteLine($"{header} did not finish: {e.Message}");
                results.Add(new RunResult(plan, directory, RunOutcome.Failed, e.Message));
            }
        }
        return results;
    }

    /// <summary>
    /// The newest recovery checkpoint of group 0 in <paramref name="runDirectory"/> (a finished run): the trained teacher of
    /// a two-phase variant; none is an error naming the folder.
    /// </summary>
    public static string TeacherCheckpointOf(string runDirectory)
    {
        var full = Path.GetFullPath(runDirectory);
        return new FileGroupCheckpoints(Path.Combine(full, "checkpoints")).NewestFile(0) ?? throw new ArgumentException(
            $"the teacher run {full} has no recovery checkpoint of group 0 (training.failures.checkpoint-interval = 0?): nothing to distill from");
    }
}
