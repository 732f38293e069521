using System.Collections.Concurrent;
using ActorCodistill.Cluster.Configuration;
using ActorCodistill.Cluster.Diagnostics;
using ActorCodistill.Coordinator.Embedded;
using Akka.Actor;
using ActorCodistill.Coordinator.Job;
using TorchSharp;
using ActorCodistill.Workers.Actors;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Tests.Job;

/// <summary>A tiny language-modelling job on a generated text folder: seconds, not minutes.</summary>
internal static class TinyJobs
{
    private static readonly string[] Subjects = ["the king", "a shepherd", "the people", "my servant", "the prophet", "his brother"];
    private static readonly string[] Verbs = ["went up to", "spake unto", "looked upon", "gave bread to", "built a house for", "blessed"];
    private static readonly string[] Objects = ["the city", "the mountain", "the temple", "the river", "all israel", "the stranger"];

    /// <summary>
    /// Runs <paramref name="spec"/> to the end as job "job-1" in an actor system of its own: coordinator, groups and
    /// workers on the in-memory transport, the journal in memory (or <paramref name="journal"/>, e.g. one holding a
    /// history to recover), workers as children of their groups unless <paramref name="placement"/> says otherwise.
    /// <paramref name="during"/> sees every group step as it is reported, with the coordinator's ref; <paramref name="logs"/>
    /// gets the actor system's log lines (default: stderr).
    /// </summary>
    public static (JobCompleted Completed, CapturingObserver Observer, TestJournal Journal) Run(
        JobSpec spec, FaultInjection? fault = null, Action<IActorRef, GroupStepCompleted>? during = null, IGroupCheckpoints? checkpoints = null,
        TestJournal? journal = null, IWorkerPlacement? placement = null, Action<ProductLogRecord>? logs = null)
    {
        // As the embedded run's start-up does (TrainCommand): libtorch's intra-op and OpenBLAS thread counts are
        // process-wide, and left at their defaults (every core) a run's reductions were split differently from those of
        // a run after another test (an in-process worker node) had set them: a loss one ulp off, failing an exact-mode
        // comparison in CI (2026-12-06).
        TorchSetup.InitializeAndDescribe(spec.TorchThreads, spec.BlasThreads, spec.HostCacheBytes);
        var observer = new CapturingObserver();
        journal ??= new TestJournal();
        // The embedded run's ActorSystem (provider local, pinned dispatcher, local data plane), at INFO as it runs.
        var system = EmbeddedHosting.Start("test", ActorSystemSettings.From(ConfigLoader.Load(null, new Dictionary<string, string?>())),
            JobJournal.AkkaConfig(null));
        if (logs is not null) ProductLogger.Attach(system, logs);
        try
        {
            var completion = new TaskCompletionSource<JobCompleted>(TaskCreationOptions.RunContinuationsAsynchronously);
            var owner = system.ActorOf(JobCompletionActor.Props(completion), "owner");
            // The history to recover from goes into the journal (Akka's in-memory one here) before the coordinator starts.
            JobJournal.Write(system, "job-1", journal.Load("job-1"));
            var coordinator = system.ActorOf(CoordinatorActor.Props(spec, "job-1", observer, owner, fault, placement, checkpoints), "coordinator");
            if (during is not null) observer.OnEachStep = step => during(coordinator, step);
            Assert.True(completion.Task.Wait(TimeSpan.FromMinutes(4)), "the job did not finish in time: " + string.Join(" | ", observer.Events));
            // What the coordinator journalled, read back once it has stopped (one writer of a persistence id at a time).
            Assert.True(coordinator.GracefulStop(TimeSpan.FromSeconds(30)).Result);
            journal.Replace("job-1", JobJournal.Read(system, "job-1"));
            return (completion.Task.Result, observer, journal);
        }
        finally
        {
            system.Terminate().Wait(TimeSpan.FromSeconds(30));
        }
    }

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

    /// <summary>
    /// HOCON of the tiny job (the sizes of <see cref="Spec"/>) as a cluster run: seed at 127.0.0.1:<paramref name="seedPort"/>,
    /// runs under <paramref name="logDir"/>. The multi-node and chaos tests each vary only what they are about.
    /// </summary>
    public static string ClusterConfig(string logDir, int seedPort, string secret, long steps = 30, long reloadInterval = 4,
        long evalInterval = 10, int printEvery = 10, string failures = "checkpoint-interval = 10, step-timeout = 20s, probe-timeout = 5s",
        string cluster = "downing.stable-after = 3s", string extra = "") =>
        $$"""
        training {
          model = lstm-lm, groups = 2, workers-per-group = 2, steps = {{steps}}, burn-in-steps = 8, reload-interval = {{reloadInterval}},
          topology = pairwise, eval-interval = {{evalInterval}}, print-every = {{printEvery}}, batch-size = 4, bptt = 8, optimizer = adam,
          learning-rate = 0.01, seed = 5, log-dir = "{{logDir}}"
          failures { {{failures}} }
        }
        model.lstm-lm { vocab-size = 320, embedding = 16, hidden = 32, layers = 2, layer-norm = on, dropout = 0.0 }
        data {
          corpus = folder, corpus-path = "{{CorpusFolder()}}", validation-fraction = 0.1, validation-batches = 4
          tokenizer { vocab-size = 300, path = "{{Path.Combine(Path.GetTempPath(), "codistill-tiny-bpe-300.txt")}}" }
        }
        threads { torch-intra-op = 1, blas = 1 }
        remote { hostname = "127.0.0.1", port = 0, secret = "{{secret}}" }
        cluster { seed-nodes = ["127.0.0.1:{{seedPort}}"], seed-node-timeout = 1s, {{cluster}} }
        {{extra}}
        """;

    /// <summary>Every step of a run, by group and step: losses, validation loss and the age of each teacher copy used.</summary>
    public static List<(int, long, double, double, double?, string)> Trace(CapturingObserver o) =>
        o.Steps.OrderBy(s => (s.Group, s.Step))
            .Select(s => (s.Group, s.Step, s.Losses.Loss, s.Losses.DistillLoss, s.ValidationLoss,
                string.Join(",", s.TeacherAges.OrderBy(a => a.Key).Select(a => $"{a.Key}:{a.Value}"))))
            .ToList();

    /// <summary>
    /// With reload-mode exact, step s (s > K) uses the copy its teacher took at step s - 1 - (s - 1) % K (the step
    /// before its boundary): that copy's age.
    /// </summary>
    public static long ExactAge(long step, long reloadInterval) => (step - 1) % reloadInterval + 1;

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

/// <summary>A job's history for a tiny run: the events to start from, and after the run what the coordinator's journal holds.</summary>
internal sealed class TestJournal
{
    private readonly Dictionary<string, List<JobEvent>> _events = new();

    public IReadOnlyList<JobEvent> Load(string jobId) => _events.TryGetValue(jobId, out var list) ? list.ToArray() : [];

    public void Append(string jobId, JobEvent e)
    {
        if (!_events.TryGetValue(jobId, out var list)) _events[jobId] = list = new List<JobEvent>();
        list.Add(e);
    }

    public void Replace(string jobId, IReadOnlyList<JobEvent> events) => _events[jobId] = events.ToList();
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
