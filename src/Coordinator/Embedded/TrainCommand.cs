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
    public sealed record Options(string? ConfigPath, bool Baseline, IReadOnlyDictionary<string, string?> Overrides, string? RunName,
        IWorkerFaults? Fault = null);

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
                              : spec.HasFixedTeacher
                              ? $"two-phase distillation from {spec.FixedTeacher} after {spec.BurnInSteps} burn-in steps, psi {Distillation.Name(spec.Distill.Loss)} x {spec.Distill.Weight}"
                              : $"codistillation after {spec.BurnInSteps} burn-in steps, topology {Topology.Name(spec.Topology)}, " +
                                $"reload every {spec.ReloadInterval} steps ({(spec.ReloadMode == ReloadMode.Exact ? "exact copies, reproducible" : "newest copies")}), psi {Distillation.Name(spec.Distill.Loss)} x {spec.Distill.Weight}") +
                          (spec.LabelSmoothing > 0 ? $", label smoothing {spec.LabelSmoothing.ToString(System.Globalization.CultureInfo.InvariantCulture)}" : ""));
        console.WriteLine("preparing data (corpus, tokenizer, shards)...");
        var task = TrainingTask.For(spec);
        console.WriteLine(task.Description);
        if (spec.HasFixedTeacher && !spec.Baseline)
        {
            // Checked before the run starts, against this job's model: the file, its integrity, its size.
            using var model = task.CreateReplica();
            var teacher = FixedTeacher.Load(spec.FixedTeacher, new FlatParameters(model.Module).Count);
            console.WriteLine($"teacher: the trained model of step {teacher.Step} ({teacher.Weights.Length:N0} parameters, float16 as a live teacher's copy)");
        }

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

        // The job's journal (Akka.Persistence: SQLite in the run folder, PostgreSQL, or in memory) is checked before the
        // actor system opens it, then read through it: a run folder whose journal is lost or damaged is refused before
        // anything is written (issue 19, finding 4).
        var persistence = CheckJournal(root, runDirectory, runId, earlierRun, withoutJournal, console);
        var system = hosting.StartSystem(config, console, JobJournal.AkkaConfig(persistence));
        IReadOnlyList<JobEvent> history;
        try
        {
            history = ReadHistory(system, persistence, runDirectory, runId, earlierRun, withoutJournal, console);
            if (history.Count > 0 && history[^1] is JobFinished)
                throw new ArgumentException($"run folder {runDirectory} holds a finished job; choose another --run-name (or delete the folder)");
        }
        catch
        {
            hosting.StopSystem(system);
            throw;
        }
        // Only now, with the journal read and accepted, does this run write to the folder (run.json, metrics).
        using var recorder = new RunRecorder(spec, runDirectory, info, console, printEvery, root.GetBool("training.tensorboard"));
        IRunObserver observer = dashboard is null ? recorder : new FanOutObserver(recorder, dashboard.Observer);
        if (history.Count > 0) console.WriteLine($"resuming job {runId}: its journal holds {history.Count} events (checkpoints under {Path.Combine(runDirectory, "checkpoints")})");
        var checkpoints = new FileGroupCheckpoints(Path.Combine(runDirectory, "checkpoints"));
        try
        {
            var completion = new TaskCompletionSource<JobCompleted>(TaskCreationOptions.RunContinuationsAsynchronously);
            var owner = system.ActorOf(JobCompletionActor.Props(completion), "owner");
            var coordinator = hosting.StartJob(system, root, runId, spec, placement =>
                CoordinatorActor.Props(spec, runId, observer, owner, options.Fault, placement, checkpoints));
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
            // SQLite keeps pooled connections to the journal file: let go of it (a run folder may be moved or deleted next).
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
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

    private const string JournalAdvice = "To go on from the run's recovery checkpoints with the configuration's settings (the reconfigurations " +
                                         "and drains the journal held are lost), run again with --set training.resume-without-journal=on; or choose another --run-name.";

    /// <summary>
    /// The job's journal settings, checked before anything opens the journal. A SQLite file that is missing or empty while
    /// the folder holds an earlier run, or one that fails SQLite's integrity check (a damaged file), is never replaced
    /// silently (issue 19, finding 4): the run stops with what happened and what the user can do, having changed nothing;
    /// with <c>training.resume-without-journal = on</c> a damaged file is moved aside and the job goes on from its
    /// checkpoints with the configuration's settings. Null: the journal is kept in memory (<c>plugin = none</c>).
    /// </summary>
    private static PersistenceSettings? CheckJournal(SettingsReader root, string runDirectory, string runId, string? earlierRun, bool withoutJournal,
        TextWriter console)
    {
        var plugin = root.GetOneOf(PersistenceSettings.PluginKey, "sqlite", "postgres", "none");
        if (plugin == "none") return null;
        var settings = PersistenceSettings.FromConfiguration(root.Configuration);
        // A relative SQLite path lives in the run folder, so every run keeps its own journal beside its metrics.
        if (settings.SqlitePath is { } path && !Path.IsPathRooted(path))
            settings = settings with { SqlitePath = Path.Combine(runDirectory, path) };
        if (plugin != "sqlite" || settings.SqlitePath is not { } file) return settings;
        var what = $"the job's journal {file}";
        // Opening a SQLite journal creates its schema: a file that is missing or empty while the folder holds an earlier
        // run is refused before anything is written to it.
        if (earlierRun is not null && !withoutJournal && (!File.Exists(file) || new FileInfo(file).Length == 0))
            throw new ArgumentException($"run folder {runDirectory} holds {earlierRun}, but {what} is {(File.Exists(file) ? "empty" : "missing")}: " +
                                        $"the job's history is lost. Nothing was changed. {JournalAdvice}");
        if (!File.Exists(file) || new FileInfo(file).Length == 0) return settings;
        if (SqliteIntegrity.Check(file) is not { } why) return settings;
        if (!withoutJournal)
            throw new ArgumentException($"{what} cannot be read: {why}. Nothing was changed. {JournalAdvice}");
        var aside = $"{file}.damaged-{DateTime.UtcNow:yyyyMMdd-HHmmss}";
        foreach (var suffix in new[] { "", "-wal", "-shm" })
            if (File.Exists(file + suffix)) File.Move(file + suffix, aside + suffix);
        console.WriteLine($"warning: {what} cannot be read ({why}); moved it aside to {aside} and going on from the run's checkpoints " +
                          "(training.resume-without-journal = on)");
        return settings;
    }

    /// <summary>The job's history through the actor system's journal; refused when the folder holds an earlier run but the journal has no events for the job.</summary>
    private static IReadOnlyList<JobEvent> ReadHistory(Akka.Actor.ActorSystem system, PersistenceSettings? settings, string runDirectory, string runId,
        string? earlierRun, bool withoutJournal, TextWriter console)
    {
        if (settings is null) return [];
        var what = settings.Plugin == "sqlite" ? $"the job's journal {settings.SqlitePath}" : $"the job's PostgreSQL journal (schema {settings.PostgresSchema})";
        IReadOnlyList<JobEvent> history;
        try
        {
            history = JobJournal.Read(system, runId);
        }
        catch (JournalReadException e)
        {
            var why = e.InnerException is { } inner && !e.Message.Contains(inner.Message, StringComparison.Ordinal) ? $"{e.Message} ({inner.Message})" : e.Message;
            throw new ArgumentException($"{what} cannot be read: {why}. Nothing was changed. {JournalAdvice}", e);
        }
        if (history.Count == 0 && earlierRun is not null)
        {
            if (!withoutJournal)
                throw new ArgumentException($"run folder {runDirectory} holds {earlierRun}, but {what} has no events for job {runId}: the journal " +
                                            $"was lost, emptied or replaced, and with it the job's history. Nothing was changed. {JournalAdvice}");
            console.WriteLine($"warning: {what} has no events for job {runId} although the run folder holds {earlierRun}; going on from the " +
                              "run's checkpoints with the configuration's settings (training.resume-without-journal = on)");
        }
        return history;
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
