using ActorCodistill.Workers.Data;

namespace ActorCodistill.Workers.Training.Tasks;

/// <summary>
/// A kind of training job: where its data comes from and which model learns from it. This is the extension point
/// through which a user's own TorchSharp module is trained by the trainer exactly like the built-in language model,
/// click-through and image models are: with groups, ring allreduce, codistillation, teacher copies, checkpoints,
/// exact recovery and failures. A task is selected by name with <c>training.model</c>; user tasks are declared under
/// <c>tasks</c> in HOCON (assembly and type), see <see cref="TaskRegistry"/> and docs/own-model.md.
/// Implementations need a public parameterless constructor.
/// </summary>
public interface ITrainingTask
{
    /// <summary>
    /// Reads and prepares the data: called once per process for a job's data settings, and the result is shared by
    /// every worker of the process (an embedded run reads and tokenizes a corpus once). Must be deterministic: every
    /// node prepares the same data from the same spec and takes its own shard of it.
    /// </summary>
    IPreparedTask Prepare(TaskContext context);
}

/// <summary>A task's prepared data, and how models and batch streams are made from it.</summary>
public interface IPreparedTask
{
    /// <summary>One line for the log: what the data is.</summary>
    string Description { get; }

    /// <summary>The validation batches every group is evaluated on (the same for all groups).</summary>
    IReadOnlyList<object> ValidationBatches { get; }

    /// <summary>
    /// A model with freshly initialised weights for the job <paramref name="spec"/> (its model settings may differ from
    /// those the data was prepared under). The trainer seeds libtorch's process-wide generator and holds its
    /// initialisation lock around this call: draw initial weights from the default generator only.
    /// </summary>
    ITaskModel CreateModel(JobSpec spec);

    /// <summary>The training batches of worker <paramref name="rank"/> of group <paramref name="group"/>: an endless, deterministic stream.</summary>
    IBatchSource CreateTrainSource(int group, int rank);

    /// <summary>Number of training examples (or documents) in that worker's shard.</summary>
    long ShardSize(int group, int rank);
}

/// <summary>What a task is prepared from: the job's spec and the task's own settings (<c>tasks.NAME.settings</c>).</summary>
public sealed record TaskContext(JobSpec Spec, IReadOnlyDictionary<string, string> Settings)
{
    /// <summary>How the training data is split among groups and workers (<c>data.shard-mode</c>, the job's seed).</summary>
    public ShardSpec ShardSpec
    {
        get
        {
            var mode = Spec.Data.ShardMode.Trim().ToLowerInvariant() switch
            {
                "disjoint" => ShardMode.Disjoint,
                "shared" or "same" => ShardMode.Shared,
                _ => throw new ArgumentException($"data.shard-mode: unknown value '{Spec.Data.ShardMode}' (expected disjoint or shared)"),
            };
            return new ShardSpec(Spec.Groups, Spec.WorkersPerGroup, mode, 0.0, Spec.Seed);
        }
    }

    /// <summary>Shards over <paramref name="count"/> training items (sizes, when given, balance by size).</summary>
    public ShardPlan PlanShards(int count, long[]? sizes = null) => Sharding.Plan(count, ShardSpec, sizes);

    /// <summary>A task setting as a string, or <paramref name="fallback"/> when the configuration does not set it.</summary>
    public string Setting(string key, string fallback) => Settings.TryGetValue(key, out var v) ? v : fallback;

    /// <summary>A task setting as an integer; a value that is not one is an error naming <c>tasks.NAME.settings.KEY</c>.</summary>
    public int IntSetting(string key, int fallback) => Parsed(key, fallback, System.Globalization.NumberStyles.Integer, "an integer");

    /// <summary>A task setting as a number; a value that is not one is an error naming <c>tasks.NAME.settings.KEY</c>.</summary>
    public double DoubleSetting(string key, double fallback) => Parsed(key, fallback, System.Globalization.NumberStyles.Float, "a number");

    private T Parsed<T>(string key, T fallback, System.Globalization.NumberStyles styles, string expected) where T : System.Numerics.INumberBase<T>
    {
        if (!Settings.TryGetValue(key, out var v)) return fallback;
        return T.TryParse(v, styles, System.Globalization.CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : throw new ArgumentException($"tasks.{Spec.Task}.settings.{key}: expected {expected}, got '{v}'");
    }
}
