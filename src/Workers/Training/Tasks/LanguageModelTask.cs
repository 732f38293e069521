using ActorCodistill.Workers.Data;
using ActorCodistill.Workers.Models;

namespace ActorCodistill.Workers.Training.Tasks;

/// <summary>
/// <c>lstm-lm</c>: the paper's language model on a text corpus (the KJV, or a folder of text files), tokenized with a
/// BPE vocabulary trained on the corpus (cached), split into documents whose tails are the validation set.
/// </summary>
public sealed class LanguageModelTask : ITrainingTask
{
    public const string Name = "lstm-lm";

    public IPreparedTask Prepare(TaskContext context)
    {
        var spec = context.Spec;
        var corpus = LmCorpora.Load(spec.Data);
        var documents = corpus.LoadDocuments();
        var tokenizer = LmCorpora.LoadOrTrainTokenizer(spec.Data, corpus.Name, documents);
        // A model too small for the tokenizer is refused by CreateModel, which TrainingTask.For runs for every job spec.
        var data = LmData.Prepare(context, corpus.Name, documents, tokenizer);
        return new Prepared(data);
    }

    private sealed class Prepared(LmData data) : IPreparedTask
    {
        public string Description => data.Description;
        public IReadOnlyList<object> ValidationBatches => data.ValidationBatches;

        public ITaskModel CreateModel(JobSpec spec)
        {
            if (data.VocabSize > spec.Lm.VocabSize)
                throw new ArgumentException($"model.lstm-lm.vocab-size ({spec.Lm.VocabSize}) is smaller than the tokenizer's vocabulary ({data.VocabSize})");
            return new LstmLanguageModel(spec.Lm);
        }

        public IBatchSource CreateTrainSource(int group, int rank) => data.CreateTrainSource(group, rank);
        public long ShardSize(int group, int rank) => data.ShardSize(group, rank);
    }
}

/// <summary>
/// A tokenized text corpus prepared for next-token prediction: the training documents sharded over the job's workers,
/// validation batches from the documents' tails. Built-in and user language-model tasks share it (samples/).
/// </summary>
public sealed class LmData
{
    private readonly int[][] _train;
    private readonly ShardPlan _plan;
    private readonly int _eod;
    private readonly int _batchSize;
    private readonly int _window;

    private LmData(int[][] train, ShardPlan plan, int eod, int batchSize, int window, IReadOnlyList<object> validation, int vocabSize, string description)
    {
        _train = train;
        _plan = plan;
        _eod = eod;
        _batchSize = batchSize;
        _window = window;
        ValidationBatches = validation;
        VocabSize = vocabSize;
        Description = description;
    }

    public IReadOnlyList<object> ValidationBatches { get; }
    public int VocabSize { get; }
    public string Description { get; }

    /// <summary>Encodes <paramref name="documents"/>, splits validation tails (<c>data.validation-fraction</c>) and shards the rest.</summary>
    public static LmData Prepare(TaskContext context, string corpusName, IReadOnlyList<TextDocument> documents, BpeTokenizer tokenizer)
    {
        var spec = context.Spec;
        var encoded = LmDocuments.Encode(tokenizer, documents);
        var (train, validation) = LmDocuments.SplitTails(encoded, spec.Data.ValidationFraction);
        var plan = context.PlanShards(train.Length, train.Select(d => (long)d.Length).ToArray());
        var batches = LmBatcher.ValidationBatches(validation, tokenizer.EodId, spec.Data.BatchSize, spec.Data.Window)
            .Take(spec.Data.ValidationBatches).Cast<object>().ToList();
        var description = $"{corpusName}: {documents.Count} documents, {train.Sum(d => (long)d.Length):N0} training tokens, " +
                          $"{batches.Count} validation batches of {spec.Data.BatchSize}x{spec.Data.Window}, BPE vocabulary {tokenizer.VocabSize}";
        return new LmData(train, plan, tokenizer.EodId, spec.Data.BatchSize, spec.Data.Window, batches, tokenizer.VocabSize, description);
    }

    /// <summary><c>data.batch-size</c> streams of <c>training.bptt</c> tokens from the worker's shard of documents (LmBatch).</summary>
    public IBatchSource CreateTrainSource(int group, int rank)
    {
        var batcher = new LmBatcher(_plan.Worker(group, rank).Select(i => _train[i]).ToArray(), _eod, _batchSize, _window, _plan.BatcherSeed(group, rank));
        return new BatchSource(batcher.Next);
    }

    public long ShardSize(int group, int rank) => _plan.Worker(group, rank).Count;
}
