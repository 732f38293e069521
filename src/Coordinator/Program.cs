using System.CommandLine;
using ActorCodistill.Cluster.Configuration;
using ActorCodistill.Coordinator.Embedded;
using ActorCodistill.Coordinator.Reporting;
using TorchSharp;
using ActorCodistill.Workers.Training;
using System.Runtime.InteropServices;

namespace ActorCodistill.Coordinator;

public static class Program
{
    public static int Main(string[] args)
    {
        // libgomp reads OMP_WAIT_POLICY once, when libtorch loads: set it before the first torch call.
        TorchSetup.PrepareProcessEnvironment();

        var config = new Option<string?>("--config", "-c") { Description = "HOCON config file (hocon/reference.conf supplies every default)" };
        var set = new Option<string[]>("--set") { Description = "override a config key: --set training.steps=100 (repeatable)", AllowMultipleArgumentsPerToken = false };
        var baseline = new Option<bool>("--baseline") { Description = "same budget without distillation (the comparison run)" };
        var runName = new Option<string?>("--run-name") { Description = "run folder name under training.log-dir (default: time, mode, seed)" };

        var dashboard = new Option<string?>("--dashboard") { Description = "serve the live dashboard on HOST:PORT (loopback, e.g. 127.0.0.1:8050; port 0 picks one): dashboard.enabled and dashboard.bind" };
        IReadOnlyDictionary<string, string?> Overrides(ParseResult parse) =>
            Dashboard.DashboardSettings.WithCommandLine(ConfigLoader.ParseOverrides(parse.GetValue(set)), parse.GetValue(dashboard));

        var train = new Command("train", "embedded run: every worker, group, broadcaster and the coordinator in this process") { config, set, baseline, runName, dashboard };
        train.SetAction(parse => Guard(() =>
        {
            TrainCommand.Run(new TrainCommand.Options(parse.GetValue(config), parse.GetValue(baseline), Overrides(parse), parse.GetValue(runName)), Console.Out);
            return 0;
        }));

        var baselineRun = new Argument<string>("baseline-run") { Description = "run folder of the baseline" };
        var codistillRun = new Argument<string>("codistill-run") { Description = "run folder of the codistillation run" };
        var compare = new Command("compare", "steps codistillation needed to reach the baseline's best validation loss") { baselineRun, codistillRun };
        compare.SetAction(parse => Guard(() =>
        {
            var baselineRecords = MetricsReader.Read(parse.GetValue(baselineRun)!);
            var codistillRecords = MetricsReader.Read(parse.GetValue(codistillRun)!);
            Console.WriteLine(RunComparison.Format(RunComparison.StepsToTarget(baselineRecords, codistillRecords)));
            var plot = Path.Combine(codistillRecords.Directory, "comparison.svg");
            SvgPlot.Write(plot, [baselineRecords, codistillRecords]);
            Console.WriteLine($"learning curves of both runs: {plot}");
            return 0;
        }));

        var runA = new Argument<string>("run-a") { Description = "first retrain's run folder" };
        var runB = new Argument<string>("run-b") { Description = "second retrain's run folder" };
        var group = new Option<int>("--group") { Description = "which group's final model to compare", DefaultValueFactory = _ => 0 };
        var churn = new Command("churn", "prediction churn between two retrains (and between the groups of each)") { runA, runB, group };
        churn.SetAction(parse => Guard(() =>
        {
            var a = parse.GetValue(runA)!;
            var b = parse.GetValue(runB)!;
            Console.WriteLine(Churn.Format(Churn.BetweenRetrains(a, b, parse.GetValue(group)), $"retrains {Path.GetFileName(a)} vs {Path.GetFileName(b)}"));
            Console.WriteLine(Churn.Format(Churn.BetweenGroups(a)));
            return 0;
        }));

        var checkpointRun = new Argument<string>("run") { Description = "run folder (training.log-dir/<run name>)" };
        var checkpoints = new Command("checkpoints", "what a run's recovery checkpoints hold, and whether each verifies (exit 1 if one does not)") { checkpointRun };
        checkpoints.SetAction(parse => Guard(() =>
        {
            var (text, allIntact) = CheckpointReport.Describe(parse.GetValue(checkpointRun)!);
            Console.Write(text);
            return allIntact ? 0 : 1;
        }));

        var host = new Option<string?>("--host") { Description = "address to bind and advertise (default remote.hostname)" };
        var port = new Option<int?>("--port") { Description = "port to listen on (default remote.port)" };
        var seedNodes = new Option<string[]>("--seed-node") { Description = "HOST:PORT of the seed nodes (default cluster.seed-nodes, or this node alone)" };
        var seed = new Command("seed", "seed node of a cluster run: hosts the coordinator, groups and broadcasters; worker nodes offer the slots")
            { config, set, baseline, runName, host, port, seedNodes, dashboard };
        seed.SetAction(parse => Guard(() =>
        {
            var overrides = Overrides(parse);
            var loaded = ConfigLoader.Load(parse.GetValue(config), overrides.ToDictionary(kv => kv.Key, kv => kv.Value));
            var name = parse.GetValue(runName) ?? new SettingsReader(loaded).GetString("cluster-job.run-name", allowEmpty: false);
            var seeds = parse.GetValue(seedNodes);
            TrainCommand.Run(new TrainCommand.Options(parse.GetValue(config), parse.GetValue(baseline), overrides, name), Console.Out,
                new Distributed.SeedHosting(parse.GetValue(host), parse.GetValue(port), seeds is { Length: > 0 } ? seeds : null));
            return 0;
        }));

        var ctlSeed = new Option<string>("--seed") { Description = "HOST:PORT of the seed", Required = true };
        var ctlTimeout = new Option<int>("--timeout") { Description = "seconds to wait for the answer", DefaultValueFactory = _ => 10 };
        var ctl = new Command("ctl", "operate a running cluster job (needs the cluster secret: remote.secret or CODISTILL_SECRET)") { config, set, ctlSeed, host, ctlTimeout };
        void Verb(string name, string description, Func<ParseResult, Job.CoordinatorMessage> message, params Symbol[] arguments)
        {
            var verb = new Command(name, description);
            foreach (var a in arguments)
                if (a is Argument argument) verb.Arguments.Add(argument);
                else verb.Options.Add((Option)a);
            verb.SetAction(parse => Guard(() => Distributed.CtlCommand.Run(parse.GetValue(config), ConfigLoader.ParseOverrides(parse.GetValue(set)),
                parse.GetValue(ctlSeed)!, parse.GetValue(host), message(parse), TimeSpan.FromSeconds(parse.GetValue(ctlTimeout)), Console.Out)));
            ctl.Subcommands.Add(verb);
        }
        var topologyArg = new Argument<string>("topology") { Description = "pairwise, ring or all-to-all" };
        var intervalArg = new Argument<long>("steps") { Description = "steps between teacher reloads" };
        var weightArg = new Argument<double>("weight") { Description = "weight of the distillation term" };
        var nodeArg = new Argument<string>("node") { Description = "worker node: its address (akka.ssl.tcp://codistill@host:port, from status) or host:port" };
        var reasonArg = new Argument<string>("reason") { Description = "why (journalled)", DefaultValueFactory = _ => "stopped by an operator" };
        Verb("status", "show the job's phase, steps, members, placement and recent events", _ => new Job.GetStatus());
        // Every group applies a change at the same step: --at-step, or the first step no group can have begun yet (for
        // the reload interval, the first reload boundary after it). The answer names the step.
        var atStep = new Option<long?>("--at-step") { Description = "the step at which every group switches (default: the first one no group has begun; a reload boundary for reload-interval)" };
        Verb("topology", "change who learns from whom (every group at the same step)", p => new Job.ChangeTopology(Workers.Training.Topology.Parse(p.GetValue(topologyArg)!), p.GetValue(atStep)), topologyArg, atStep);
        Verb("reload-interval", "change the steps between teacher reloads (every group at the same reload boundary)", p => new Job.ChangeReloadInterval(p.GetValue(intervalArg), p.GetValue(atStep)), intervalArg, atStep);
        var confirm = new Option<bool>("--confirm") { Description = $"apply a weight above {Job.JobState.MaxPlausibleDistillWeight} (refused without it: likely a typo)" };
        Verb("weight", "change the distillation weight (every group at the same step)", p => new Job.ChangeDistillWeight(p.GetValue(weightArg), p.GetValue(atStep), p.GetValue(confirm)), weightArg, atStep, confirm);
        Verb("drain", "move the job's workers off a node and place nothing more there", p => new Job.DrainNode(p.GetValue(nodeArg)!), nodeArg);
        Verb("stop", "stop the job at the next step boundary", p => new Job.StopJob(p.GetValue(reasonArg)!), reasonArg);

        var dashboardToken = new Command("dashboard-token", "print the token that authorises changes from the dashboard (HMAC of the cluster secret)") { config, set };
        dashboardToken.SetAction(parse => Guard(() =>
        {
            Console.WriteLine(Dashboard.DashboardSettings.TokenFrom(new SettingsReader(ConfigLoader.Load(parse.GetValue(config),
                ConfigLoader.ParseOverrides(parse.GetValue(set)).ToDictionary(kv => kv.Key, kv => kv.Value)))));
            return 0;
        }));

        var experimentFile = new Argument<string>("experiment-config") { Description = "hocon/experiments/NAME.conf: a grid of runs (docs/experiments.md)" };
        var experimentOut = new Option<string?>("--out") { Description = "report folder (default: the experiment's report-dir, docs/experiments/NAME)" };
        var reportOnly = new Option<bool>("--report-only") { Description = "run nothing; write the report from the finished runs" };
        var experiment = new Command("experiment", "run an experiment's grid (skipping finished runs, resuming interrupted ones) and write its report") { experimentFile, set, experimentOut, reportOnly };
        experiment.SetAction(parse => Guard(() =>
        {
            var runs = Experiments.ExperimentCommand.Run(parse.GetValue(experimentFile)!, ConfigLoader.ParseOverrides(parse.GetValue(set)),
                parse.GetValue(experimentOut), parse.GetValue(reportOnly), Console.Out).Runs;
            return runs.Any(r => r.Outcome == Experiments.RunOutcome.Failed) ? 4 : 0;
        }));

        // The ctr task and churn-ctr.conf read a Criteo-format file; with no Criteo data here, this writes a synthetic one.
        var criteoFolder = new Argument<string>("folder") { Description = "where to write synthetic-criteo-seedS-nN.tsv" };
        var criteoRows = new Option<int>("--rows") { Description = "lines to write", DefaultValueFactory = _ => 400_000 };
        var criteoSeed = new Option<long>("--seed") { Description = "seed of the hidden click model and of the rows", DefaultValueFactory = _ => 7 };
        var syntheticCriteo = new Command("synthetic-criteo", "write a SYNTHETIC Criteo-format TSV (for data.corpus-path of the ctr task) and print its path") { criteoFolder, criteoRows, criteoSeed };
        syntheticCriteo.SetAction(parse => Guard(() =>
        {
            var rows = parse.GetValue(criteoRows);
            if (rows < 1) throw new ArgumentException($"--rows: at least 1 line, got {rows}");
            Console.WriteLine(Workers.Data.CriteoSyntheticGenerator.WriteFile(parse.GetValue(criteoFolder)!, rows, parse.GetValue(criteoSeed)));
            return 0;
        }));

        var root = new RootCommand("ActorCodistill: codistillation (Anil et al. 2018) on an actor cluster") { train, compare, churn, checkpoints, seed, ctl, dashboardToken, experiment, syntheticCriteo };
        return root.Parse(args).Invoke();
    }

    // A user's mistake (bad config, missing data) ends with one clear line, not a stack trace.
    private static int Guard(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is ArgumentException or ConfigException or HoconException
                                      or FileNotFoundException or DirectoryNotFoundException or InvalidDataException or ExternalException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
        catch (JobInterruptedException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 3;
        }
        catch (JobFailedException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 4;
        }
    }
}
