using TorchSharp;
using ActorCodistill.Workers.Data;
using ActorCodistill.Workers.Models;
using static TorchSharp.torch;

namespace ActorCodistill.Workers.Training;

/// <summary>A worker's endless stream of training batches, resumable.</summary>
public interface IBatchSource
{
    object Next();
    /// <summary>Number of batches handed out so far.</summary>
    long Consumed { get; }
}

/// <summary>
/// Everything task-specific a worker needs, built deterministically from the job spec: the prepared
/// data (corpus, tokenizer, shards), model and optimizer factories. Prepared data is shared by all
/// workers of one process (a cache keyed by the data spec), so an embedded run reads and tokenizes
/// the corpus once; on separate nodes each builds the same data and picks its own shard.
/// </summary>
public sealed class TrainingTask
{
    private static readonly object InitLock = new();
    private static readonly Dictionary<string, Lazy<TrainingTask>> Cache = new();

    private readonly JobSpec _spec;
    private readonly ShardPlan _plan;
    private readonly int[][] _lmTrain = [];
    private readonly int[] _eodHolder = [0];
    private readonly IReadOnlyList<CtrExample> _ctr = [];
    private readonly ImageDataset? _images;

    public IReadOnlyList<object> ValidationBatches { get; }
    public string Description { get; }
    public int VocabSize { get; }

    /// <summary>
    /// The task of <paramref name="spec"/>. Only the prepared data is shared (keyed by what it depends on); the models and
    /// optimizer follow this spec. Until 2026-12-06 the whole task was shared, so a process that ran a second job on the
    /// same data (a worker node serving successive jobs, or tests) built that job's models and optimizer from the first
    /// job's settings (its learning rate, its layer sizes).
    /// </summary>
    public static TrainingTask For(JobSpec spec)
    {
        var key = $"{spec.Task}|{spec.Data}|{spec.Groups}|{spec.WorkersPerGroup}|{spec.Seed}|{spec.Ctr.HashBuckets}";
        Lazy<TrainingTask> lazy;
        lock (Cache)
        {
            if (!Cache.TryGetValue(key, out lazy!))
                Cache[key] = lazy = new Lazy<TrainingTask>(() => new TrainingTask(spec), LazyThreadSafetyMode.ExecutionAndPublication);
        }
        var data = lazy.Value;
        if (ReferenceEquals(data._spec, spec)) return data;
        if (spec.Task == "lstm-lm" && data.VocabSize > spec.Lm.VocabSize)
            throw new ArgumentException($"model.lstm-lm.vocab-size ({spec.Lm.VocabSize}) is smaller than the tokenizer's vocabulary ({data.VocabSize})");
        return new TrainingTask(data, spec);
    }

    // The prepared data of another task, with this job's settings.
    private TrainingTask(TrainingTask data, JobSpec spec)
    {
        _spec = spec;
        _plan = data._plan;
        _lmTrain = data._lmTrain;
        _eodHolder = data._eodHolder;
        _ctr = data._ctr;
        _images = data._images;
        ValidationBatches = data.ValidationBatches;
        Description = data.Description;
        VocabSize = data.VocabSize;
    }

    private TrainingTask(JobSpec spec)
    {
        _spec = spec;
        var mode = spec.Data.ShardMode.Trim().ToLowerInvariant() switch
        {
            "disjoint" => ShardMode.Disjoint,
            "shared" or "same" => ShardMode.Shared,
            _ => throw new ArgumentException($"data.shard-mode: unknown value '{spec.Data.ShardMode}' (expected disjoint or shared)"),
        };
        var shardSpec = new ShardSpec(spec.Groups, spec.WorkersPerGroup, mode, 0.0, spec.Seed);
        switch (spec.Task)
        {
            case "lstm-lm":
            {
                var corpus = LoadCorpus(spec.Data);
                var documents = corpus.LoadDocuments();
                var tokenizer = LoadOrTrainTokenizer(spec.Data, corpus.Name, documents);
                if (tokenizer.VocabSize > spec.Lm.VocabSize)
                    throw new ArgumentException($"model.lstm-lm.vocab-size ({spec.Lm.VocabSize}) is smaller than the tokenizer's vocabulary ({tokenizer.VocabSize})");
                var encoded = LmDocuments.Encode(tokenizer, documents);
                var (train, validation) = LmDocuments.SplitTails(encoded, spec.Data.ValidationFraction);
                _lmTrain = train;
                _eodHolder[0] = tokenizer.EodId;
                _plan = Sharding.Plan(train.Length, shardSpec, train.Select(d => (long)d.Length).ToArray());
                ValidationBatches = LmBatcher.ValidationBatches(validation, tokenizer.EodId, spec.Data.BatchSize, spec.Data.Window)
                    .Take(spec.Data.ValidationBatches).Cast<object>().ToList();
                VocabSize = tokenizer.VocabSize;
                Description = $"{corpus.Name}: {documents.Count} documents, {train.Sum(d => (long)d.Length):N0} training tokens, " +
                              $"{ValidationBatches.Count} validation batches of {spec.Data.BatchSize}x{spec.Data.Window}, BPE vocabulary {tokenizer.VocabSize}";
                break;
            }
            case "ctr":
            {
                var path = spec.Data.CorpusPath;
                if (string.IsNullOrEmpty(path))
                    throw new ArgumentException("data.corpus-path: the ctr task needs a Criteo-format TSV file (CriteoSyntheticGenerator writes a synthetic one)");
                var examples = CriteoReader.ReadFile(path, new CriteoReaderOptions { BucketCount = spec.Ctr.HashBuckets }).Examples;
                var (trainIdx, valIdx) = Sharding.SplitValidation(examples.Count, spec.Data.ValidationFraction, spec.Seed);
                _ctr = examples;
                _plan = Sharding.Plan(trainIdx.Length, shardSpec);
                _plan = RemapPlan(_plan, trainIdx);
                ValidationBatches = CtrBatcher.Sequential(examples, valIdx, spec.Data.BatchSize).Take(spec.Data.ValidationBatches).Cast<object>().ToList();
                Description = $"ctr: {examples.Count:N0} examples from {path}";
                break;
            }
            case "fashion-cnn":
            {
                _images = IdxReader.FashionMnist.Train(string.IsNullOrEmpty(spec.Data.CorpusPath) ? IdxReader.FashionMnist.DefaultFolder : spec.Data.CorpusPath);
                var (trainIdx, valIdx) = Sharding.SplitValidation(_images.Count, spec.Data.ValidationFraction, spec.Seed);
                _plan = RemapPlan(Sharding.Plan(trainIdx.Length, shardSpec), trainIdx);
                ValidationBatches = ImageBatcher.Sequential(_images, valIdx, spec.Data.BatchSize).Take(spec.Data.ValidationBatches).Cast<object>().ToList();
                Description = $"fashion-mnist: {_images.Count:N0} images";
                break;
            }
            default:
                throw new ArgumentException($"training.model: unknown task '{spec.Task}' (expected lstm-lm, ctr or fashion-cnn)");
        }
    }

    // Shards are planned over positions 0..n-1 of the training split; map them back to example indices.
    private static ShardPlan RemapPlan(ShardPlan plan, int[] trainIndices) =>
        plan with
        {
            Shards = plan.Shards.Select(g => (IReadOnlyList<IReadOnlyList<int>>)g.Select(w => (IReadOnlyList<int>)w.Select(i => trainIndices[i]).ToArray()).ToArray()).ToArray(),
        };

    private static ITextCorpus LoadCorpus(DataSpec data) => data.Corpus.Trim().ToLowerInvariant() switch
    {
        "kjv" => string.IsNullOrWhiteSpace(data.KjvCommand)
            ? new KjvCorpus()
            : new KjvCorpus(data.KjvCommand.Split(' ', 2)[0], SplitArguments(data.KjvCommand)),
        "folder" => new TextFolderCorpus(data.CorpusPath),
        _ => throw new ArgumentException($"data.corpus: unknown corpus '{data.Corpus}' (expected kjv or folder)"),
    };

    private static IReadOnlyList<string> SplitArguments(string commandLine)
    {
        // "bible -f Gen1:1-Rev22:21" -> ["-f", "Gen1:1-Rev22:21"]; quotes group words.
        var parts = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        foreach (var ch in commandLine.Trim())
        {
            if (ch == '"') { quoted = !quoted; continue; }
            if (ch == ' ' && !quoted)
            {
                if (current.Length > 0) { parts.Add(current.ToString()); current.Clear(); }
                continue;
            }
            current.Append(ch);
        }
        if (current.Length > 0) parts.Add(current.ToString());
        return parts.Skip(1).ToArray();
    }

    private static BpeTokenizer LoadOrTrainTokenizer(DataSpec data, string corpusName, IReadOnlyList<TextDocument> documents)
    {
        var path = string.IsNullOrWhiteSpace(data.TokenizerPath)
            ? Path.Combine(CacheFolder(), $"bpe-{corpusName}-{data.TokenizerVocabSize}.txt")
            : data.TokenizerPath;
        if (File.Exists(path)) return BpeTokenizer.Load(path);
        var tokenizer = BpeTokenizer.Train(documents.Select(d => d.Text), data.TokenizerVocabSize);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temp = path + $".{Environment.ProcessId}.tmp";
        tokenizer.Save(temp);
        File.Move(temp, path, overwrite: true);
        return tokenizer;
    }

    public static string CacheFolder() =>
        Environment.GetEnvironmentVariable("CODISTILL_CACHE") is { Length: > 0 } dir
            ? dir
            : Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } x
                ? x
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "actorcodistill");

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
            return _spec.Task switch
            {
                "lstm-lm" => new LstmLanguageModel(_spec.Lm),
                "ctr" => new CtrModel(_spec.Ctr),
                _ => new FashionCnn(),
            };
    }

    public TorchSharp.Modules.OptimizerHelper CreateOptimizer(ITaskModel model)
    {
        var parameters = model.Module.parameters();
        var lr = _spec.Optimizer.LearningRate;
        return _spec.Optimizer.Kind.Trim().ToLowerInvariant() switch
        {
            // PyTorch's defaults, passed explicitly so that a change of TorchSharp's defaults cannot change a run.
            "adam" => optim.Adam(parameters, lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0),
            "adagrad" => optim.Adagrad(parameters, lr, lr_decay: 0, weight_decay: 0, initial_accumulator_value: 0, eps: 1e-10),
            "sgd" => optim.SGD(parameters, lr, momentum: 0.9, dampening: 0, weight_decay: 0, nesterov: false),
            _ => throw new ArgumentException($"training.optimizer: unknown optimizer '{_spec.Optimizer.Kind}' (expected adam, adagrad or sgd)"),
        };
    }

    /// <summary>This worker's shard of the training data, as an endless batch stream.</summary>
    public IBatchSource CreateTrainSource(int group, int rank)
    {
        var shard = _plan.Worker(group, rank);
        var seed = _plan.BatcherSeed(group, rank);
        return _spec.Task switch
        {
            "lstm-lm" => new Source(() => new LmBatcher(shard.Select(i => _lmTrain[i]).ToArray(), _eodHolder[0], _spec.Data.BatchSize, _spec.Data.Window, seed), b => ((LmBatcher)b).Next()),
            "ctr" => new Source(() => new CtrBatcher(_ctr, shard, _spec.Data.BatchSize, seed), b => ((CtrBatcher)b).Next()),
            _ => new Source(() => new ImageBatcher(_images!, shard, _spec.Data.BatchSize, seed), b => ((ImageBatcher)b).Next()),
        };
    }

    public long ShardSize(int group, int rank) => _plan.Worker(group, rank).Count;

    private sealed class Source(Func<object> create, Func<object, object> next) : IBatchSource
    {
        private readonly object _batcher = create();
        public long Consumed { get; private set; }

        public object Next()
        {
            Consumed++;
            return next(_batcher);
        }
    }
}
