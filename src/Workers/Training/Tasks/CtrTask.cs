using ActorCodistill.Workers.Data;
using ActorCodistill.Workers.Models;

namespace ActorCodistill.Workers.Training.Tasks;

/// <summary><c>ctr</c>: the paper's click-through-rate DNN on a Criteo-format TSV file (<c>data.corpus-path</c>).</summary>
public sealed class CtrTask : ITrainingTask
{
    public const string Name = "ctr";

    public IPreparedTask Prepare(TaskContext context)
    {
        var spec = context.Spec;
        var path = spec.Data.CorpusPath;
        if (string.IsNullOrEmpty(path))
            throw new ArgumentException("data.corpus-path: the ctr task needs a Criteo-format TSV file (CriteoSyntheticGenerator writes a synthetic one)");
        var examples = CriteoReader.ReadFile(path, new CriteoReaderOptions { BucketCount = spec.Ctr.HashBuckets }).Examples;
        var (trainIdx, valIdx) = Sharding.SplitValidation(examples.Count, spec.Data.ValidationFraction, spec.Seed);
        var plan = ShardPlans.Remap(context.PlanShards(trainIdx.Length), trainIdx);
        var validation = CtrBatcher.Sequential(examples, valIdx, spec.Data.BatchSize).Take(spec.Data.ValidationBatches).Cast<object>().ToList();
        return new Prepared(examples, plan, spec.Data.BatchSize, validation, $"ctr: {examples.Count:N0} examples from {path}");
    }

    private sealed class Prepared(IReadOnlyList<CtrExample> examples, ShardPlan plan, int batchSize, IReadOnlyList<object> validation, string description)
        : IPreparedTask
    {
        public string Description => description;
        public IReadOnlyList<object> ValidationBatches => validation;
        public ITaskModel CreateModel(JobSpec spec) => new CtrModel(spec.Ctr);

        public IBatchSource CreateTrainSource(int group, int rank)
        {
            var batcher = new CtrBatcher(examples, plan.Worker(group, rank), batchSize, plan.BatcherSeed(group, rank));
            return new BatchSource(batcher.Next);
        }

        public long ShardSize(int group, int rank) => plan.Worker(group, rank).Count;
    }
}
