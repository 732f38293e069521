using TorchSharp;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Tests.Job;

/// <summary>
/// These tests build models on two threads at once, holding the process-wide init lock most of the time: run alone, so
/// that they do not hold up the workers of other tests' jobs (a group that started late let the other run its 30 steps
/// before any teacher copy came, in newest mode: a CI failure of the CTR test on 2026-12-06).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ModelInitCollection
{
    public const string Name = "ModelInitTests (process-wide generator and init lock)";
}

[Trait("Category", "Unit")]
[Collection(ModelInitCollection.Name)]
public class ModelInitTests
{
    private static float[] Weights(ITaskModel model)
    {
        var flat = new FlatParameters(model.Module);
        var weights = new float[flat.Count];
        flat.ExportParameters(weights);
        return weights;
    }

    [Fact]
    public async Task CreateModel_GivesTheSameStartingWeightsEveryTime_WhileReplicasAreBuiltOnAnotherThread()
    {
        // A group's model is seeded (job seed, group) from libtorch's process-wide generator; teacher and evaluation
        // replicas draw from it as well. Replicas built beside (another job's teacher copies) must not shift the draws.
        // Wider than the tiny job's model, so that an initialisation takes long enough for the other thread to meet it.
        var spec = TinyJobs.Spec();
        var task = TrainingTask.For(spec with { Lm = spec.Lm with { Embedding = 256, Hidden = 256 } });
        float[] expected;
        using (var first = task.CreateModel(1)) expected = Weights(first);
        using var stop = new CancellationTokenSource();
        var replicas = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested) task.CreateReplica().Dispose();
        });
        try
        {
            for (var i = 0; i < 100; i++)
            {
                using var model = task.CreateModel(1);
                Assert.True(expected.AsSpan().SequenceEqual(Weights(model)), $"model {i} started from other weights");
            }
        }
        finally
        {
            await stop.CancelAsync();
            await replicas;
        }
    }

    [Fact]
    public void TasksOfTwoJobsOnTheSameData_ShareTheData_ButEachBuildsItsOwnModel()
    {
        // A worker node serves job after job; a second job on the same corpus with wider layers (or another learning rate)
        // must not get the first job's models.
        var spec = TinyJobs.Spec();
        var wider = spec with { Lm = spec.Lm with { Hidden = 48 } };
        var first = TrainingTask.For(spec);
        var second = TrainingTask.For(wider);

        using var small = first.CreateModel(0);
        using var large = second.CreateModel(0);
        Assert.True(new FlatParameters(large.Module).Count > new FlatParameters(small.Module).Count);
        Assert.Same(first.ValidationBatches, second.ValidationBatches);
        var tooSmall = spec with { Lm = spec.Lm with { VocabSize = 10 } };
        Assert.Contains("vocab-size (10) is smaller than the tokenizer's vocabulary", Assert.Throws<ArgumentException>(() => TrainingTask.For(tooSmall)).Message);
    }
}
