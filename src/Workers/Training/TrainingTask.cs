using ActorCodistill.Workers.Training.Tasks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ActorCodistill.Workers.Training;

/// <summary>
/// Everything task-specific a worker needs, built deterministically from the job spec: the prepared data of the job's
/// task (<see cref="ITrainingTask"/>, built-in or a user's), and model and optimizer factories. Prepared data is
/// shared by all workers of one process (a cache keyed by what it depends on), so an embedded run reads and tokenizes
/// the corpus once; on separate nodes each builds the same data and picks its own shard.
/// </summary>
public sealed class TrainingTask
{
    private static readonly object InitLock = new();
    private static readonly Dictionary<string, Lazy<IPreparedTask>> Cache = new();
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<JobSpec, object> Checked = new();

    private readonly JobSpec _spec;
    private readonly IPreparedTask _data;

    private TrainingTask(JobSpec spec, IPreparedTask data)
    {
        _spec = spec;
        _data = data;
    }

    public IReadOnlyList<object> ValidationBatches => _data.ValidationBatches;
    public string Description => _data.Description;

    /// <summary>
    /// The task of <paramref name="spec"/>. Only the prepared data is shared (keyed by what it depends on); the models and
    /// optimizer follow this spec. Until 2026-12-06 the whole task was shared, so a process that ran a second job on the
    /// same data (a worker node serving successive jobs, or tests) built that job's models and optimizer from the first
    /// job's settings (its learning rate, its layer sizes).
    /// </summary>
    public static TrainingTask For(JobSpec spec)
    {
        var settings = string.Join(";", spec.TaskSettings.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));
        var key = $"{spec.Task}|{spec.Data}|{spec.Groups}|{spec.WorkersPerGroup}|{spec.Seed}|{spec.Ctr.HashBuckets}|{settings}";
        Lazy<IPreparedTask> lazy;
        lock (Cache)
        {
            if (!Cache.TryGetValue(key, out lazy!))
                Cache[key] = lazy = new Lazy<IPreparedTask>(
                    () => TaskRegistry.Resolve(spec.Task).Prepare(new TaskContext(spec, spec.TaskSettings)),
                    LazyThreadSafetyMode.ExecutionAndPublication);
        }
        try
        {
            var task = new TrainingTask(spec, lazy.Value);
            // Model settings the data does not fit (a vocabulary smaller than the tokenizer's) fail here, not in a worker:
            // one model built and dropped, once per spec (the workers of an embedded run share theirs).
            if (!Checked.TryGetValue(spec, out _))
            {
                task.CreateReplica().Dispose();
                Checked.AddOrUpdate(spec, true);
            }
            return task;
        }
        catch
        {
            // A failed preparation is not cached: the next job (with the error fixed) prepares again.
            lock (Cache)
                if (Cache.TryGetValue(key, out var cached) && ReferenceEquals(cached, lazy) && lazy.IsValueCreated is false)
                    Cache.Remove(key);
            throw;
        }
    }

    /// <summary>
    /// A fresh model. Members of a group start from identical weights (data parallelism) and groups from
    /// different ones (codistillation needs diverse models), so the seed is (job seed, group). libtorch's
    /// default generator is process-wide, hence the lock while seeding and initialising.
    /// </summary>
    public ITaskModel CreateModel(int group)
    {
        lock (InitLock)
        {
            manual_seed(_spec.Seed * 1000 + group);
            return CreateReplica();
        }
    }

    /// <summary>
    /// A model of the same architecture whose weights will be overwritten (teacher copies, eval replicas). Its
    /// initialisation draws from the process-wide generator too, so it takes the same lock: drawn between another
    /// model's seed and initialisation (a teacher replica of one job while another job builds its workers), it changed
    /// that model's starting weights.
    /// </summary>
    public ITaskModel CreateReplica()
    {
        lock (InitLock)
            return _data.CreateModel(_spec);
    }

    public OptimizerHelper CreateOptimizer(ITaskModel model) => Optimizers.Create(_spec.Optimizer, model.Module.parameters());

    /// <summary>This worker's shard of the training data, as an endless batch stream.</summary>
    public IBatchSource CreateTrainSource(int group, int rank) => _data.CreateTrainSource(group, rank);

    public long ShardSize(int group, int rank) => _data.ShardSize(group, rank);
}
