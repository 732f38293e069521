using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using ActorCodistill.Cluster.Configuration;
using TorchSharp;
using ActorCodistill.Workers.Training;
using ActorCodistill.Workers.Node;

namespace ActorCodistill.Workers;

/// <summary>
/// The worker-node executable: <c>dotnet run --project src/Workers -- --config hocon/worker.conf --seed HOST:PORT --slots N</c>.
/// Offers N device slots to the cluster (cpu:0..N-1, or the GPUs of a CUDA build), runs the workers the seed's
/// placement starts on them, and rejoins as a new incarnation when the seed restarts. Ctrl+C / SIGTERM leaves the
/// cluster gracefully.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        // libgomp reads OMP_WAIT_POLICY once, when libtorch loads: set it before the first torch call.
        TorchSetup.PrepareProcessEnvironment();

        var config = new Option<string?>("--config", "-c") { Description = "HOCON config (hocon/worker.conf); hocon/reference.conf supplies every default" };
        var seeds = new Option<string[]>("--seed") { Description = "HOST:PORT of a seed node (repeatable; default cluster.seed-nodes)", AllowMultipleArgumentsPerToken = true };
        var slots = new Option<int?>("--slots") { Description = "CPU device slots to offer (default: the GPUs of a CUDA build, else 1)" };
        var host = new Option<string?>("--host") { Description = "address to bind and advertise (default remote.hostname)" };
        var port = new Option<int?>("--port") { Description = "port to listen on (default remote.port; 0 = any free port)" };
        var set = new Option<string[]>("--set") { Description = "override a config key: --set remote.port=4054 (repeatable)" };
        var root = new RootCommand("ActorCodistill worker node: offers device slots to a training cluster") { config, seeds, slots, host, port, set };
        root.SetAction(parse =>
        {
            try
            {
                return Run(parse.GetValue(config), parse.GetValue(seeds) ?? [], parse.GetValue(slots), parse.GetValue(host), parse.GetValue(port),
                    ConfigLoader.ParseOverrides(parse.GetValue(set)));
            }
            catch (Exception e) when (e is ArgumentException or ConfigException or HoconException or FileNotFoundException or InvalidDataException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 2;
            }
        });
        return root.Parse(args).Invoke();
    }

    private static int Run(string? configPath, string[] seeds, int? slots, string? host, int? port, IReadOnlyDictionary<string, string?> overrides)
    {
        var configuration = ConfigLoader.Load(configPath, overrides.ToDictionary(kv => kv.Key, kv => kv.Value));
        // The user tasks this node may run: a job names one, this node's configuration says where its code is.
        ActorCodistill.Workers.Training.Tasks.TaskRegistry.DeclareFrom(new SettingsReader(configuration));
        // Load libtorch now, before joining: loading it takes seconds on a busy host, and a node that stalls in its
        // first spawn right after joining can be taken for dead.
        var gpus = torch.cuda.device_count();
        var devices = Devices(slots, gpus);
        using var stopping = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stopping.Cancel();
        });
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stopping.Cancel();
        };

        var incarnation = 0;
        while (!stopping.IsCancellationRequested)
        {
            incarnation++;
            var node = ClusterNode.Start(new NodeOptions(configuration, ["worker"], devices, seeds.Length > 0 ? seeds : null, host, port));
            var seedLost = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            node.System.ActorOf(SeedWatchActor.Props(seedLost), "seed-watch");
            Console.WriteLine($"READY worker node {node.Address} (incarnation {incarnation}) offering [{string.Join(", ", devices)}]; " +
                              $"seeds [{string.Join(", ", node.Cluster!.Settings.SeedNodes)}]; data plane on {node.DataPlane.Address}");

            var stop = Task.Delay(Timeout.Infinite, stopping.Token).ContinueWith(_ => "stop requested (SIGTERM / Ctrl+C)", TaskScheduler.Default);
            var downed = node.System.WhenTerminated.ContinueWith(_ =>
                $"this node left the cluster ({Akka.Actor.CoordinatedShutdown.Get(node.System).ShutdownReason?.ToString() ?? "terminated"})", TaskScheduler.Default);
            var why = Task.WhenAny(stop, downed, seedLost.Task).GetAwaiter().GetResult().GetAwaiter().GetResult();
            Console.WriteLine($"worker node {node.Address}: {why}");
            node.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(30));
            if (stopping.IsCancellationRequested) break;
            Console.WriteLine("restarting as a new incarnation and joining the seeds again");
            Thread.Sleep(TimeSpan.FromSeconds(1));
        }
        return 0;
    }

    private static IReadOnlyList<string> Devices(int? slots, int gpus)
    {
        if (slots is { } n)
        {
            if (n < 1 || n > 256) throw new ArgumentException($"--slots must be in [1, 256], got {n}");
            return Enumerable.Range(0, n).Select(i => $"cpu:{i.ToString(CultureInfo.InvariantCulture)}").ToArray();
        }
        return gpus > 0
            ? Enumerable.Range(0, gpus).Select(i => $"cuda:{i.ToString(CultureInfo.InvariantCulture)}").ToArray()
            : ["cpu:0"];
    }
}
