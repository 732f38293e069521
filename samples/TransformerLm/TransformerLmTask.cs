using ActorCodistill.Workers.Training;
using ActorCodistill.Workers.Training.Tasks;

namespace ActorCodistill.Samples.TransformerLm;

/// <summary>
/// The sample's task: the corpus and tokenizer of the built-in language model (<c>data.corpus</c>, the KJV by
/// default), the sample's Transformer as the model. Settings (<c>tasks.transformer-lm.settings</c>): d-model, heads,
/// layers, feed-forward, dropout.
/// </summary>
public sealed class TransformerLmTask : ITrainingTask
{
    public IPreparedTask Prepare(TaskContext context)
    {
        var spec = context.Spec;
        var corpus = LmCorpora.Load(spec.Data);
        var documents = corpus.LoadDocuments();
        var tokenizer = LmCorpora.LoadOrTrainTokenizer(spec.Data, corpus.Name, documents);
        var model = new TransformerLmSpec(
            tokenizer.VocabSize, spec.Data.Window,
            context.IntSetting("d-model", 64), context.IntSetting("heads", 4), context.IntSetting("layers", 2),
            context.IntSetting("feed-forward", 256), context.DoubleSetting("dropout", 0.0));
        if (model.DModel % model.Heads != 0)
            throw new ArgumentException($"tasks.{spec.Task}.settings: d-model ({model.DModel}) must be a multiple of heads ({model.Heads})");
        return new Prepared(LmData.Prepare(context, corpus.Name, documents, tokenizer), model);
    }

    private sealed class Prepared(LmData data, TransformerLmSpec model) : IPreparedTask
    {
        public string Description => $"{data.Description}; Transformer d-model {model.DModel}, {model.Layers} layers x {model.Heads} heads";
        public IReadOnlyList<object> ValidationBatches => data.ValidationBatches;
        public ITaskModel CreateModel(JobSpec spec) => new TransformerLm(model);
        public IBatchSource CreateTrainSource(int group, int rank) => data.CreateTrainSource(group, rank);
        public long ShardSize(int group, int rank) => data.ShardSize(group, rank);
    }
}
