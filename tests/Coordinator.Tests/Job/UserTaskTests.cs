using ActorCodistill.Cluster.Configuration;
using ActorCodistill.Samples.TransformerLm;
using ActorCodistill.Workers.Training;
using ActorCodistill.Workers.Training.Tasks;

namespace ActorCodistill.Coordinator.Tests.Job;

/// <summary>
/// A user's own TorchSharp model through the extension point: the sample Transformer (samples/TransformerLm), declared in
/// HOCON by assembly path and type as a user declares it, trains in a job with groups, allreduce and codistillation
/// like the built-in models; and the mistakes a user can make in that declaration are named.
/// </summary>
[Trait("Category", "Unit")]
public class UserTaskTests
{
    private static readonly string SampleAssembly = typeof(TransformerLmTask).Assembly.Location;

    private static string Hocon(string tasks, string model = "tiny-transformer") =>
        $$"""
        training {
          model = {{model}}, groups = 2, workers-per-group = 2, steps = 16, burn-in-steps = 4, reload-interval = 4,
          reload-mode = exact, topology = pairwise, eval-interval = 8, batch-size = 4, bptt = 8, optimizer = adam,
          learning-rate = 0.01, seed = 5
        }
        data {
          corpus = folder, corpus-path = "{{TinyJobs.CorpusFolder()}}", validation-fraction = 0.1, validation-batches = 2
          tokenizer { vocab-size = 300, path = "{{Path.Combine(Path.GetTempPath(), "codistill-tiny-bpe-300.txt")}}" }
        }
        threads { torch-intra-op = 1, blas = 1 }
        {{tasks}}
        """;

    private static string Declaration(string assembly, string type = "ActorCodistill.Samples.TransformerLm.TransformerLmTask") =>
        $$"""
        tasks.tiny-transformer {
          assembly = "{{assembly}}"
          type = "{{type}}"
          settings { d-model = 16, heads = 2, layers = 1, feed-forward = 32 }
        }
        """;

    private static SettingsReader Load(string hocon)
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("user-task-").FullName, "job.conf");
        File.WriteAllText(file, hocon);
        return new SettingsReader(ConfigLoader.Load(file, null));
    }

    [Fact]
    public void SampleTransformer_DeclaredInHocon_TrainsWithCodistillationAndExactReloads()
    {
        var root = Load(Hocon(Declaration(SampleAssembly)));
        TaskRegistry.DeclareFrom(root);
        var spec = JobSpecReader.Read(root);
        Assert.Equal("tiny-transformer", spec.Task);
        Assert.Equal("16", spec.TaskSettings["d-model"]);

        var (_, observer, _) = TinyJobs.Run(spec);
        var trace = TinyJobs.Trace(observer);
        Assert.Equal(2 * 16, trace.Count);
        foreach (var (group, step, loss, distill, _, ages) in trace)
        {
            Assert.True(double.IsFinite(loss), $"group {group} step {step}: loss {loss}");
            if (step <= 4)
                Assert.Equal(0, distill);
            else
            {
                // Distillation from the other group's exact copy of the step before each boundary.
                Assert.True(distill > 0, $"group {group} step {step}: no distillation term");
                Assert.Equal($"{1 - group}:{TinyJobs.ExactAge(step, 4)}", ages);
            }
        }
        // It learns: validation loss at step 16 below step 8's in both groups.
        foreach (var group in new[] { 0, 1 })
        {
            var val = trace.Where(t => t.Item1 == group && t.Item5 is not null).Select(t => t.Item5!.Value).ToArray();
            Assert.Equal(2, val.Length);
            Assert.True(val[1] < val[0], $"group {group}: validation loss {val[0]} -> {val[1]}");
        }
        // And is reproducible bit for bit, as the built-in models are in reload-mode exact.
        var again = TinyJobs.Trace(TinyJobs.Run(spec).Observer);
        Assert.Equal(trace, again);
    }

    [Fact]
    public void UnknownModel_IsAnErrorNamingTheKeyAndTheChoices()
    {
        var e = Assert.ThrowsAny<Exception>(() => JobSpecReader.Read(Load(Hocon("", model: "transfomer-lm"))));
        Assert.Contains("training.model", e.Message);
        Assert.Contains("transfomer-lm", e.Message);
        Assert.Contains("lstm-lm", e.Message);
    }

    [Fact]
    public void MissingAssembly_IsAnErrorNamingTheKeyAndThePath()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-such-task.dll");
        var e = Assert.ThrowsAny<Exception>(() => TaskRegistry.DeclareFrom(Load(Hocon(Declaration(missing)))));
        Assert.Contains("tasks.tiny-transformer.assembly", e.Message);
        Assert.Contains(missing, e.Message);
    }

    [Fact]
    public void ATypeThatIsNoTask_IsAnErrorNamingTheType()
    {
        var e = Assert.ThrowsAny<Exception>(() => TaskRegistry.DeclareFrom(Load(Hocon(Declaration(SampleAssembly, "ActorCodistill.Samples.TransformerLm.TransformerLm")))));
        Assert.Contains("tasks.tiny-transformer.type", e.Message);
        Assert.Contains("ITrainingTask", e.Message);
        var missing = Assert.ThrowsAny<Exception>(() => TaskRegistry.DeclareFrom(Load(Hocon(Declaration(SampleAssembly, "No.Such.Type")))));
        Assert.Contains("No.Such.Type", missing.Message);
    }
}
