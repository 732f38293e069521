using ActorCodistill.Workers.Data;
using ActorCodistill.Workers.Models;

namespace ActorCodistill.Workers.Training.Tasks;

/// <summary><c>fashion-cnn</c>: a small CNN on Fashion-MNIST (IDX files; Debian's dataset-fashion-mnist by default).</summary>
public sealed class FashionMnistTask : ITrainingTask
{
    public const string Name = "fashion-cnn";

    public IPreparedTask Prepare(TaskContext context)
    {
        var spec = context.Spec;
        var images = IdxReader.FashionMnist.Train(string.IsNullOrEmpty(spec.Data.CorpusPath) ? IdxReader.FashionMnist.DefaultFolder : spec.Data.CorpusPath);
        var (trainIdx, valIdx) = Sharding.SplitValidation(images.Count, spec.Data.ValidationFraction, spec.Seed);
        var plan = ShardPlans.Remap(context.PlanShards(trainIdx.Length), trainIdx);
        var validation = ImageBatcher.Sequential(images, valIdx, spec.Data.BatchSize).Take(spec.Data.ValidationBatches).Cast<object>().ToList();
        return new Prepared(images, plan, spec.Data.BatchSize, validation, $"fashion-mnist: {images.Count:N0} images");
    }

    private sealed class Prepared(ImageDataset images, ShardPlan plan, int batchSize, IReadOnlyList<object> validation, string description)
        : IPreparedTask
    {
        public string Description => description;
        public IReadOnlyList<object> ValidationBatches => validation;
        public ITaskModel CreateModel(JobSpec spec) => new FashionCnn();

        public IBatchSource CreateTrainSource(int group, int rank)
        {
            var batcher = new ImageBatcher(images, plan.Worker(group, rank), batchSize, plan.BatcherSeed(group, rank));
            return new BatchSource(batcher.Next);
        }

        public long ShardSize(int group, int rank) => plan.Worker(group, rank).Count;
    }
}
