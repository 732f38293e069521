using System.Globalization;
using Akka.Actor;
using ActorCodistill.Cluster.Configuration;
using ActorCodistill.Cluster.Persistence;
using ActorCodistill.Coordinator.Dashboard;
using ActorCodistill.Coordinator.Job;
using ActorCodistill.Coordinator.Distributed;
using ActorCodistill.Coordinator.Reporting;
using TorchSharp;
using ActorCodistill.Workers.Actors;
using ActorCodistill.Workers.Training;
using Microsoft.Extensions.Configuration;

namespace ActorCodistill.Coordinator.Embedded;

/// <summary>
/// The embedded run: every worker, group, broadcaster and the coordinator as actors in this process,
/// on the in-memory transport. The same actors run on a cluster; only the transport differs.
/// </summary>
public static class TrainCommand
{
    /// <param name="Journal">The job journal to use instead of the one the <c>persistence</c> settings open (a host that keeps its own; tests).</param>
    public sealed record Options(string? ConfigPath, bool Baseline, IReadOnlyDictionary<string, string?> Overrides, string? RunName,
        IWorkerFaults? Fault = null, IJobJournal? Journal = null);

    public sealed record Result(string RunDirectory, JobCompleted Completed, RunSummary Summary);

    public static Result Run(Options options, TextWriter console) => Run(options, console, EmbeddedHosting.Instance);

    /// <summary>
    /// One path for every run: configuration, data, run folder, journal, checkpoints, progress and summary are the
    /// same; <paramref name="hosting"/> decides only where the actors live (this process, or a cluster's seed).
    /// </summary>
    public static Result Run(Options options, TextWriter console, IJobHosting hosting)
    {
        var config = ConfigLoader.Load(options.ConfigPath, options.Overrides.ToDictionary(kv => kv.Key, kv => kv.Value));
        var root = new SettingsReader(config);
        var spec = JobSpecReader.Read(root, options.Baseline);
        ActorCodistill.Workers.Training.Tasks.TaskRegistry.DeclareFrom(root);
        var printEvery = root.GetLong("training.print-every", 1);
        var compareWith = CompareWith(root);

        console.WriteLine(TorchSetup.InitializeAndDescribe(spec.TorchThreads, spec.BlasThreads, spec.HostCacheBytes));
        console.WriteLine($"job: {spec.Task}, {spec.Groups} groups x {spec.WorkersPerGroup} workers, {spec.Steps} steps, " +
                          (spec.Baseline
                              ? "baseline (no distillation)"
                              : $"codistillation after {spec.BurnInSteps} burn-in steps, topology {Topology.Name(spec.Topology)}, " +
                                $"reload every {spec.ReloadInterval} steps ({(spec.ReloadMode == ReloadMode.Exact ? "exact copies, reproducible" : "newest copies")}), psi {Distillation.Name(spec.Distill.Loss)} x {spec.Distill.Weight}"));
        console.WriteLine("preparing data (corpus, tokenizer, shards)...");
        var task = TrainingTask.For(spec);
        console.WriteLine(task.Description);

        var runId = options.RunName ?? $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{(spec.Baseline ? "baseline" : "codistill")}-seed{spec.Seed}";
        var runDirectory = Path.GetFullPath(Path.Combine(root.GetString("training.log-dir", allowEmpty: false), runId));
        // Looked at before this run writes anything there: what an earlier run on this folder left.
        var earlierRun = EarlierRun(runDirectory);
        var withoutJournal = root.GetBool("training.resume-without-journal");
        Directory.CreateDirectory(runDirectory);
        var info = new RunInfo(runId, spec.Baseline ? RunMode.Baseline : RunMode.Codistill, spec.Task, spec.Groups, spec.WorkersPerGroup,
            spec.Seed, Flatten(config), DateTimeOffset.UtcNow, new Dictionary<string, string>
            {
                ["torch-intra-op"] = spec.TorchThreads.ToString(CultureInfo.InvariantCulture),
                ["blas"] = spec.BlasThreads.ToString(CultureInfo.InvariantCulture),
                ["omp-wait-policy"] = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") ?? "(unset)",
                ["host-cache-bytes"] = spec.HostCacheBytes.ToString(CultureInfo.InvariantCulture),
            });
        // The live dashboard (dashboard.enabled / --dashboard): started before the journal is read, so a bad address stops
        // the run before anything is written; it gets the coordinator's reports beside the recorder, and the job below.
        using var dashboard = DashboardHost.StartIfEnabled(root, info, spec, runDirectory, compareWith, hosting is EmbeddedHosting ? "embedded" : "seed",
            hosting.ClusterView(spec), console);

        PersistenceStores? stores = null;
        IJobJournal store;
        IReadOnlyList<JobEvent> history;
        if (options.Journal is { } given)
        {
            store = given;
            history = store.Load(runId);
        }
        else
        {
            (store, history) = OpenJournal(root, runDirectory, runId, earlierRun, withoutJournal, console, out stores);
        }
        if (history.Count > 0 && history[^1] is JobFinished)
        {
            stores?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw new ArgumentException($"run folder {runDirectory} holds a finished job; choose another --run-name (or delete the folder)");
        }
        // Only now, with the journal read and accepted, does this run write to the folder (run.json, metrics).
        using var recorder = new RunRecorder(spec, runDirectory, info, console, printEvery, root.GetBool("training.tensorboard"));
        IRunObserver observer = dashboard is null ? recorder : new FanOutObserver(recorder, dashboard.Observer);
        if (history.Count > 0) console.WriteLine($"resuming job {runId}: its journal holds {history.Count} events (checkpoints under {Path.Combine(runDirectory, "checkpoints")})");
        // The coordinator recovers from the history read above rather than reading the store a second time.
        var journal = new PreloadedJobJournal(store, runId, history);
        var checkpoints = new FileGroupCheckpoints(Path.Combine(runDirectory, "checkpoints"));
        var system = hosting.StartSystem(config, console);
        try
        {
            var completion = new TaskCompletionSource<JobCompleted>(TaskCreationOptions.RunContinuationsAsynchronously);
            var owner = system.ActorOf(JobCompletionActor.Props(completion), "owner");
            var coordinator = hosting.StartJob(system, root, runId, spec, placement =>
                CoordinatorActor.Props(spec, runId, journal, observer, owner, options.Fault, placement, checkpoints));
            dashboard?.Connect((message, cancel) => coordinator.Ask<object>(message, TimeSpan.FromSeconds(5), cancel));
            ConsoleCancelEventHandler onCancel = (_, e) =>
            {
                e.Cancel = true;
                coordinator.Tell(new StopJob("interrupted (Ctrl+C)"));
            };
            Console.CancelKeyPress += onCancel;
            try
            {
                // A node the cluster downs (e.g. a seed on the minority side) terminates its system: then there is no
                // job to wait for here; say so and exit non-zero so a service manager restarts it (it resumes).
                if (Task.WhenAny(completion.Task, system.WhenTerminated).GetAwaiter().GetResult() != completion.Task)
                    throw new JobInterruptedException(
                        $"the actor system stopped before the job finished ({CoordinatedShutdown.Get(system).ShutdownReason?.ToString() ?? "terminated"}); " +
                        $"run the same command again to resume from {runDirectory}");
                var completed = completion.Task.GetAwaiter().GetResult();
                dashboard?.Completed(completed.Status);
                var lastStep = completed.Status.GroupSteps.Values.DefaultIfEmpty(0).Max();
                recorder.Finish(new Dictionary<string, long>
                {
                    ["checkpoint_bytes"] = completed.CheckpointBytes,
                    ["allreduce_bytes"] = completed.AllreduceBytes,
                    ["steps"] = lastStep,
                }, lastStep);
                recorder.Dispose();

                var records = MetricsReader.Read(runDirectory);
                var summary = RunSummary.From(records);
                // The groups of this run, and the run it is compared with (training.compare-with: the baseline, say).
                var other = compareWith is null ? null : MetricsReader.Read(compareWith);
                SvgPlot.Write(Path.Combine(runDirectory, RunFiles.LearningCurve), other is null ? [records] : [other, records],
                    new SvgPlotOptions(Title: other is null ? records.Info.Label : $"{records.Info.Label} against {other.Info.Label}", PerGroup: true));
                console.WriteLine();
                console.WriteLine(summary.ToText());
                if (other is not null) console.WriteLine(RunComparison.Format(RunComparison.StepsToTarget(other, records)));
                console.WriteLine($"bytes between groups (float16 checkpoints): {completed.CheckpointBytes:N0}; " +
                                  $"inside groups (allreduce): {completed.AllreduceBytes:N0}" +
                                  (lastStep > 0 ? $"; per step: {completed.CheckpointBytes / (double)lastStep:N0} vs {completed.AllreduceBytes / (double)lastStep:N0}" : ""));
                console.WriteLine($"run folder: {runDirectory} (metrics.jsonl, learning-curve.svg, predictions-g*.bin)");
                if (completed.Failures.Count > 0)
                    throw new JobFailedException(
                        $"the job did not finish: {string.Join("; ", completed.Failures)}. Fix the cause (the worker failures are in the log and " +
                        $"in {Path.Combine(runDirectory, RunFiles.Metrics)} as events), then run the same command again to resume from {runDirectory}",
                        new Result(runDirectory, completed, summary));
                return new Result(runDirectory, completed, summary);
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
        }
        finally
        {
            hosting.StopSystem(system);
            stores?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>The finished run folder <c>training.compare-with</c> names (checked before the run starts), or null.</summary>
    private static string? CompareWith(SettingsReader root)
    {
        var path = root.GetString("training.compare-with");
        if (path.Length == 0) return null;
        var full = Path.GetFullPath(path);
        if (!File.Exists(Path.Combine(full, RunFiles.Metrics)))
            throw new ArgumentException($"training.compare-with = \"{path}\": {full} is not a run folder (it has no {RunFiles.Metrics}); " +
                                        "name the folder of a finished run, e.g. runs/<baseline-run>");
        return full;
    }

    /// <summary>
    /// Opens the job's journal and reads its history. A journal that cannot be read (a damaged SQLite file), or one
    /// with no events for a run folder that holds an earlier run's checkpoints or metrics (the journal lost, emptied or
    /// replaced), is never replaced silently (issue 19, finding 4): the run stops with what happened and what the user
    /// can do, having changed nothing; with <c>training.resume-without-journal = on</c> a damaged file is moved aside
    /// and the job goes on from its checkpoints with the configuration's settings (the reconfigurations and drains the
    /// journal held are lost).
    /// </summary>
    private static (IJobJournal Journal, IReadOnlyList<JobEvent> History) OpenJournal(SettingsReader root, string runDirectory, string runId,
        string? earlierRun, bool withoutJournal, TextWriter console, out PersistenceStores? stores)
    {
        var plugin = root.GetOneOf(PersistenceSettings.PluginKey, "sqlite", "postgres", "none");
        if (plugin == "none")
        {
            stores = null;
            return (new InMemoryJobJournal(), []);
        }
        var settings = PersistenceSettings.FromConfiguration(root.Configuration);
        // A relative SQLite path lives in the run folder, so every run keeps its own journal beside its metrics.
        if (settings.SqlitePath is { } path && !Path.IsPathRooted(path))
            settings = settings with { SqlitePath = Path.Combine(runDirectory, path) };
        var what = plugin == "sqlite" ? $"the job's journal {settings.SqlitePath}" : $"the job's PostgreSQL journal (schema {settings.PostgresSchema})";
        const string advice = "To go on from the run's recovery checkpoints with the configuration's settings (the reconfigurations and drains " +
                              "the journal held are lost), run again with --set training.resume-without-journal=on; or choose another --run-name.";
        // Opening a SQLite journal creates its schema: a file that is missing or empty while the folder holds an earlier
        // run is refused before anything is written to it.
        if (plugin == "sqlite" && earlierRun is not null && !withoutJournal && settings.SqlitePath is { } file &&
            (!File.Exists(file) || new FileInfo(file).Length == 0))
            throw new ArgumentException($"run folder {runDirectory} holds {earlierRun}, but {what} is {(File.Exists(file) ? "empty" : "missing")}: " +
                                        $"the job's history is lost. Nothing was changed. {advice}");
        // SQLite makes -wal/-shm files beside a database it opens; those a failed open made go again.
        var sidecars = plugin == "sqlite" ? new[] { "-wal", "-shm" }.Select(x => settings.SqlitePath + x).Where(f => !File.Exists(f)).ToList() : [];
        IJobJournal journal;
        IReadOnlyList<JobEvent> history;
        try
        {
            stores = PersistenceFactory.Create(settings);
            journal = new StoreJobJournal(stores.Journal);
            history = journal.Load(runId);
        }
        catch (Exception e) when (e is IOException or System.Data.Common.DbException or InvalidDataException or FormatException)
        {
            var why = e.InnerException is { } inner && !e.Message.Contains(inner.Message, StringComparison.Ordinal) ? $"{e.Message} ({inner.Message})" : e.Message;
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var made in sidecars) File.Delete(made);
            if (!withoutJournal || plugin != "sqlite")
                throw new ArgumentException($"{what} cannot be read: {why}. Nothing was changed. {advice}", e);
            var aside = $"{settings.SqlitePath}.damaged-{DateTime.UtcNow:yyyyMMdd-HHmmss}";
            foreach (var suffix in new[] { "", "-wal", "-shm" })
                if (File.Exists(settings.SqlitePath + suffix)) File.Move(settings.SqlitePath + suffix, aside + suffix);
            console.WriteLine($"warning: {what} cannot be read ({why}); moved it aside to {aside} and going on from the run's checkpoints " +
                              "(training.resume-without-journal = on)");
            stores = PersistenceFactory.Create(settings);
            return (new StoreJobJournal(stores.Journal), []);
        }
        if (history.Count == 0 && earlierRun is not null)
        {
            if (!withoutJournal)
            {
                stores.DisposeAsync().AsTask().GetAwaiter().GetResult();
                stores = null;
                throw new ArgumentException($"run folder {runDirectory} holds {earlierRun}, but {what} has no events for job {runId}: the journal " +
                                            $"was lost, emptied or replaced, and with it the job's history. Nothing was changed. {advice}");
            }
            console.WriteLine($"warning: {what} has no events for job {runId} although the run folder holds {earlierRun}; going on from the " +
                              "run's checkpoints with the configuration's settings (training.resume-without-journal = on)");
        }
        return (journal, history);
    }

    /// <summary>What an earlier run left in <paramref name="runDirectory"/> (recovery checkpoints, metrics), or null for none.</summary>
    private static string? EarlierRun(string runDirectory)
    {
        var checkpoints = Path.Combine(runDirectory, "checkpoints");
        var files = Directory.Exists(checkpoints) ? Directory.GetFiles(checkpoints, "*.ckpt").Length : 0;
        if (files > 0) return $"{files} recovery checkpoint file(s) under {checkpoints}";
        var metrics = Path.Combine(runDirectory, RunFiles.Metrics);
        return File.Exists(metrics) && new FileInfo(metrics).Length > 0 ? $"the metrics of an earlier run ({metrics})" : null;
    }

    private static IReadOnlyDictionary<string, string> Flatten(IConfiguration config) =>
        config.AsEnumerable()
            .Where(kv => kv.Value is not null && !kv.Key.Contains("secret", StringComparison.OrdinalIgnoreCase))
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .ToDictionary(kv => kv.Key.Replace(':', '.'), kv => kv.Value!);
}

/// <summary>The run's actor system stopped (downed, removed) before its job finished; the job can be resumed.</summary>
public sealed class JobInterruptedException(string message) : Exception(message);

/// <summary>A group gave up (too many worker failures): the run ended without finishing; it can be resumed once fixed.</summary>
public sealed class JobFailedException(string message, TrainCommand.Result result) : Exception(message)
{
    /// <summary>What the run left: its folder, status and summary.</summary>
    public TrainCommand.Result Result { get; } = result;
}
