using System.Diagnostics;
using ActorCodistill.Coordinator.Job;
using ActorCodistill.Coordinator.Reporting;
using ActorCodistill.Workers.Actors;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Embedded;

/// <summary>
/// Records a run as it goes: every group step and evaluation into metrics.jsonl, final predictions into
/// predictions-g*.bin, and a progress line on the console (one per group every few steps, and every
/// evaluation), so a user sees loss, distillation loss, validation loss, throughput and teacher age.
/// </summary>
public sealed class RunRecorder : IRunObserver, IDisposable
{
    private readonly JobSpec _spec;
    private readonly string _runDirectory;
    private readonly MetricsWriter _metrics;
    private readonly TensorBoardWriter? _tensorBoard;
    private readonly TextWriter _console;
    private readonly long _printEvery;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Dictionary<int, double?> _lastValidation = new();

    /// <param name="tensorBoard">Also write TensorBoard event files (<see cref="TensorBoardWriter"/>; <c>training.tensorboard</c>).</param>
    public RunRecorder(JobSpec spec, string runDirectory, RunInfo info, TextWriter console, long printEvery, bool tensorBoard = false)
    {
        _spec = spec;
        _runDirectory = runDirectory;
        _console = console;
        _printEvery = Math.Max(1, printEvery);
        _metrics = MetricsWriter.Create(runDirectory, info);
        _tensorBoard = tensorBoard ? new TensorBoardWriter(runDirectory) : null;
    }

    private void Record(MetricRecord record)
    {
        _metrics.Append(record);
        _tensorBoard?.Append(record);
    }

    public double ElapsedSeconds => _clock.Elapsed.TotalSeconds;

    public void OnStep(GroupStepCompleted step)
    {
        var t = _clock.Elapsed.TotalSeconds;
        var ages = step.TeacherAges.OrderBy(a => a.Key).Select(a => a.Value).ToArray();
        Record(new TrainRecord(step.Step, step.Group, step.Losses.Loss, step.Losses.TaskLoss, step.Losses.DistillLoss,
            step.DistillOn, step.ExamplesPerSecond, ages, t));
        if (step.ValidationLoss is { } validation)
        {
            Record(new EvalRecord(step.Step, step.Group, validation, t, step.ValidationAccuracy));
            _lastValidation[step.Group] = validation;
        }
        if (step.Predictions is { } p)
        {
            var set = p.Binary
                ? Reporting.PredictionSet.Binary(p.Top1OrProbability)
                : Reporting.PredictionSet.Classification(p.Top1OrProbability.Select(v => (int)v).ToArray(), p.TrueLabelProbability);
            PredictionFile.Write(RunFiles.Predictions(_runDirectory, step.Group), set);
        }
        if (step.Step % _printEvery == 0 || step.ValidationLoss is not null || step.Step == _spec.Steps)
        {
            _lastValidation.TryGetValue(step.Group, out var lastValidation);
            // The task loss is shown as "loss" (comparable with the baseline's); the distillation term beside it.
            var line = ProgressFormatter.Format(step.Step, _spec.Steps, step.Losses.TaskLoss,
                step.DistillOn ? step.Losses.DistillLoss : null, lastValidation, step.ExamplesPerSecond, ages);
            _console.WriteLine($"[{t,7:F1}s] group {step.Group}  {line}");
        }
    }

    public void OnEvent(int group, long step, string message)
    {
        Record(new EventRecord(step, group, message, _clock.Elapsed.TotalSeconds));
        _console.WriteLine($"[{_clock.Elapsed.TotalSeconds,7:F1}s] {(group < 0 ? "job" : $"group {group}")}: {message}");
    }

    public void Finish(IReadOnlyDictionary<string, long> counters, long lastStep) =>
        _metrics.Append(new SummaryRecord(lastStep, -1, _clock.Elapsed.TotalSeconds, counters));

    public void Dispose()
    {
        _metrics.Dispose();
        _tensorBoard?.Dispose();
    }
}
