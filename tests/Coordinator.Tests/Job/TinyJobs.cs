using System.Collections.Concurrent;
using ActorCodistill.Coordinator.Job;
using ActorCodistill.Workers.Actors;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Tests.Job;

/// <summary>A tiny language-modelling job on a generated text folder: seconds, not minutes.</summary>
internal static class TinyJobs
{
    private static readonly string[] Subjects = ["the king", "a shepherd", "the people", "my servant", "the prophet", "his brother"];
    private static readonly string[] Verbs = ["went up to", "spake unto", "looked upon", "gave bread to", "built a house for", "blessed"];
    private static readonly string[] Objects = ["the city", "the mountain", "the temple", "the river", "all israel", "the stranger"];

    public static string CorpusFolder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "codistill-tiny-corpus-v1");
        if (Directory.Exists(folder) && Directory.GetFiles(folder, "*.txt").Length == 8) return folder;
        Directory.CreateDirectory(folder);
        var random = new Random(11);
        for (var d = 0; d < 8; d++)
        {
            var text = new System.Text.StringBuilder();
            for (var s = 0; s < 120; s++)
                text.Append(Subjects[random.Next(Subjects.Length)]).Append(' ').Append(Verbs[random.Next(Verbs.Length)]).Append(' ')
                    .Append(Objects[random.Next(Objects.Length)]).Append(". ");
            File.WriteAllText(Path.Combine(folder, $"doc{d}.txt"), text.ToString());
        }
        return folder;
    }

    public static JobSpec Spec(long steps = 24, long burnIn = 6, long reload = 4, int groups = 2, int workers = 2, bool baseline = false, long eval = 6) =>
        new(
            Task: "lstm-lm", Groups: groups, WorkersPerGroup: workers, Steps: steps, BurnInSteps: burnIn, ReloadInterval: reload,
            Topology: groups == 2 ? TopologyKind.Pairwise : TopologyKind.Ring, Distill: DistillSpec.Default, Baseline: baseline, Seed: 5,
            EvalInterval: eval, Optimizer: new OptimizerSpec("adam", 0.01),
            Lm: new LmModelSpec(VocabSize: 320, Embedding: 16, Hidden: 32, Layers: 2, LayerNorm: true, Dropout: 0),
            Ctr: new CtrModelSpec(64, 4, [8]),
            Data: new DataSpec("folder", CorpusFolder(), "", 0.1, "disjoint", 300,
                Path.Combine(Path.GetTempPath(), "codistill-tiny-bpe-300.txt"), BatchSize: 4, Window: 8, ValidationBatches: 4),
            TorchThreads: 1, BlasThreads: 1);
}

/// <summary>Captures what the coordinator reports.</summary>
internal sealed class CapturingObserver : IRunObserver
{
    public ConcurrentQueue<GroupStepCompleted> Steps { get; } = new();
    public ConcurrentQueue<string> Events { get; } = new();
    public Action<GroupStepCompleted>? OnEachStep { get; set; }

    public void OnStep(GroupStepCompleted step)
    {
        Steps.Enqueue(step);
        OnEachStep?.Invoke(step);
    }

    public void OnEvent(int group, long step, string message) => Events.Enqueue($"{group}@{step}: {message}");
}
