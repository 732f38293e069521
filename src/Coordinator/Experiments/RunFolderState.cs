using System.Globalization;
using ActorCodistill.Coordinator.Reporting;

namespace ActorCodistill.Coordinator.Experiments;

public enum RunState
{
    /// <summary>No run folder, or one with nothing a run wrote.</summary>
    Absent,

    /// <summary>The folder holds an earlier, unfinished run of it: <c>train</c> resumes it from its checkpoints.</summary>
    Interrupted,

    /// <summary>Its metrics end with a summary record at the planned last step: the run is done.</summary>
    Finished,
}

/// <summary>What an experiment finds in a run's folder before it starts the run.</summary>
public static class RunFolderState
{
    /// <summary>
    /// Finished means the metrics hold a summary record (written when the job ends) and every group's train records
    /// reach <paramref name="steps"/>: a job that ended with a failure also writes a summary, at the step its furthest
    /// group got to, while the group that gave up stopped short; it is resumed, not skipped.
    /// </summary>
    public static RunState Of(string runDirectory, long steps)
    {
        if (!File.Exists(Path.Combine(runDirectory, RunFiles.RunJson))) return Directory.Exists(runDirectory) &&
            Directory.EnumerateFileSystemEntries(runDirectory).Any() ? RunState.Interrupted : RunState.Absent;
        var records = MetricsReader.Read(runDirectory);
        var everyGroupDone = records.Info.Groups > 0 && Enumerable.Range(0, records.Info.Groups)
            .All(g => records.Train.Any(t => t.Group == g && t.Step >= steps));
        return records.Summary is not null && everyGroupDone ? RunState.Finished
            : records.Train.Count > 0 || Directory.Exists(Path.Combine(runDirectory, "checkpoints")) ? RunState.Interrupted
            : RunState.Absent;
    }

    /// <summary>The <c>training.steps</c> a finished run was started with (its run.json), for a clear error when the experiment changed it since.</summary>
    public static long? PlannedSteps(string runDirectory) =>
        MetricsReader.ReadRunInfo(runDirectory).Config.TryGetValue("training.steps", out var text) &&
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var steps) ? steps : null;
}
