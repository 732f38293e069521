using TorchSharp;
using TorchSharp.Modules;

namespace ActorCodistill.Coordinator.Reporting;

/// <summary>
/// The run's metrics as TensorBoard event files, beside metrics.jsonl: <c>&lt;run&gt;/tensorboard/group-&lt;g&gt;/</c>, one
/// writer (TorchSharp's SummaryWriter) per group, so TensorBoard draws the groups as runs on shared charts:
/// <c>loss/train</c>, <c>loss/task</c>, <c>loss/distill</c>, <c>loss/validation</c>, <c>throughput/examples_per_s</c>,
/// <c>teacher/age_max</c>, and the run's events as text (<c>events</c>). A resumed run adds a new events file to each
/// folder (TensorBoard reads them together, the later value winning where a step repeats). Open with
/// <c>tensorboard --logdir runs/&lt;run&gt;/tensorboard</c>, or the whole runs folder to compare runs.
/// </summary>
public sealed class TensorBoardWriter : IDisposable
{
    public const string Folder = "tensorboard";

    private readonly string _root;
    private readonly Dictionary<int, SummaryWriter> _writers = new();
    private readonly Lock _gate = new();

    public TensorBoardWriter(string runDirectory) => _root = Path.Combine(runDirectory, Folder);

    public void Append(MetricRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var step = checked((int)record.Step);
        lock (_gate)
        {
            switch (record)
            {
                case TrainRecord t:
                    var w = WriterFor(t.Group);
                    w.add_scalar("loss/train", (float)t.Loss, step);
                    w.add_scalar("loss/task", (float)t.TaskLoss, step);
                    if (t.DistillOn) w.add_scalar("loss/distill", (float)t.DistillLoss, step);
                    w.add_scalar("throughput/examples_per_s", (float)t.ExamplesPerSecond, step);
                    if (t.TeacherAge.Count > 0) w.add_scalar("teacher/age_max", t.TeacherAge.Max(), step);
                    break;
                case EvalRecord e:
                    WriterFor(e.Group).add_scalar("loss/validation", (float)e.ValLoss, step);
                    break;
                case EventRecord e:
                    WriterFor(Math.Max(e.Group, 0)).add_text("events", e.Group < 0 ? e.Message : $"group {e.Group}: {e.Message}", step);
                    break;
            }
        }
    }

    private SummaryWriter WriterFor(int group)
    {
        if (!_writers.TryGetValue(group, out var writer))
        {
            var folder = Path.Combine(_root, $"group-{group}");
            Directory.CreateDirectory(folder);
            _writers[group] = writer = torch.utils.tensorboard.SummaryWriter(folder);
        }
        return writer;
    }

    // SummaryWriter writes each event as it is added (no buffer to flush) and holds no file open between events.
    public void Dispose()
    {
        lock (_gate) _writers.Clear();
    }
}
