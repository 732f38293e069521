// Control-plane speed between two processes on loopback, the own runtime (RemoteActorSystem, JSON) and Akka.NET
// (Akka.Remote, the product's AkkaNode configuration, Hyperion), in the same run with interleaved trials (issue 17:
// "Akka.Remote ping-pong round trips/s and small one-way messages/s between two processes"). This process drives; a
// child process (this program with --responder) hosts both runtimes' echo actors.
//   round trips/s: one Ping in flight, the next sent when its Pong is back;
//   one-way msgs/s: a burst of small Pings Told as fast as one actor can, then a Flush whose answer counts arrivals.
using System.Diagnostics;
using ActorCodistill.Bench.ControlPlane;
using Akka.Actor;
using Own = ActorCodistill.Cluster.Actors;

const string Secret = "control-plane-bench-secret-0123456789";
var batching = !args.Contains("--no-batching");
if (args.Contains("--responder"))
{
    await using var ownResponder = OwnRuntime.Start(Secret);
    var ownResponderEcho = ownResponder.System.ActorOf(Own.Props.Create(() => new OwnRuntime.Echo()), "echo");
    var akkaResponder = AkkaRuntime.Start("seed", batching);
    akkaResponder.ActorOf(Props.Create(() => new AkkaRuntime.Echo()), "echo");
    Console.WriteLine($"OWN {ownResponderEcho.Path.ToStringWithUid()}");
    Console.WriteLine($"AKKA {ActorCodistill.Cluster.Bootstrap.AkkaNode.AddressOf(akkaResponder)}/user/echo");
    Console.Out.Flush();
    // Until the driver closes our stdin.
    await Console.In.ReadToEndAsync();
    await akkaResponder.Terminate();
    return 0;
}

var roundTrips = Arg("--round-trips", 3000);
var oneWay = Arg("--one-way", 100_000);
var trials = Arg("--trials", 5);
ThreadPool.GetMinThreads(out var minWorkers, out _);
Console.WriteLine($"bench/ControlPlane: 2 processes on loopback, {Environment.ProcessorCount} cores, .NET {Environment.Version}, thread pool min {minWorkers}, " +
                  $"server GC {System.Runtime.GCSettings.IsServerGC}; {roundTrips} round trips and {oneWay} one-way messages per trial, {trials} trials (median); Akka.Remote write batching {(batching ? "on (default)" : "off")}");
Console.WriteLine($"load at start: {LoadAverage()}");

var self = Environment.ProcessPath!;
var dll = typeof(Ping).Assembly.Location;
var start = new ProcessStartInfo(self.EndsWith("dotnet", StringComparison.Ordinal) ? self : "dotnet")
{
    RedirectStandardInput = true,
    RedirectStandardOutput = true,
};
start.ArgumentList.Add(dll);
start.ArgumentList.Add("--responder");
if (!batching) start.ArgumentList.Add("--no-batching");
using var responder = Process.Start(start)!;
string? ownPath = null, akkaPath = null;
while ((ownPath is null || akkaPath is null) && await responder.StandardOutput.ReadLineAsync() is { } line)
{
    if (line.StartsWith("OWN ", StringComparison.Ordinal)) ownPath = line[4..];
    if (line.StartsWith("AKKA ", StringComparison.Ordinal)) akkaPath = line[5..];
}
if (ownPath is null || akkaPath is null) throw new InvalidOperationException("the responder process did not report its echo actors");

await using var ownNode = OwnRuntime.Start(Secret);
var ownEcho = ownNode.ResolveRemote(ownPath);
var akka = AkkaRuntime.Start("worker", batching);
var akkaEcho = await akka.ActorSelection(akkaPath).ResolveOne(TimeSpan.FromSeconds(20));

async Task<double> OwnRoundTrips(int count)
{
    var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    var watch = Stopwatch.StartNew();
    var pinger = ownNode.System.ActorOf(Own.Props.Create(() => new OwnRuntime.Pinger(ownEcho, count, done)));
    await done.Task.WaitAsync(TimeSpan.FromMinutes(2));
    var rate = count / watch.Elapsed.TotalSeconds;
    ownNode.System.Stop(pinger);
    return rate;
}

async Task<double> AkkaRoundTrips(int count)
{
    var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    var watch = Stopwatch.StartNew();
    var pinger = akka.ActorOf(Props.Create(() => new AkkaRuntime.Pinger(akkaEcho, count, done)));
    await done.Task.WaitAsync(TimeSpan.FromMinutes(2));
    var rate = count / watch.Elapsed.TotalSeconds;
    akka.Stop(pinger);
    return rate;
}

async Task<(double Rate, long Received)> OwnOneWay(int count)
{
    var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
    var watch = Stopwatch.StartNew();
    var burst = ownNode.System.ActorOf(Own.Props.Create(() => new OwnRuntime.Burst(ownEcho, count, done)));
    var received = await done.Task.WaitAsync(TimeSpan.FromMinutes(2));
    var rate = received / watch.Elapsed.TotalSeconds;
    ownNode.System.Stop(burst);
    return (rate, received);
}

async Task<(double Rate, long Received)> AkkaOneWay(int count)
{
    var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
    var watch = Stopwatch.StartNew();
    var burst = akka.ActorOf(Props.Create(() => new AkkaRuntime.Burst(akkaEcho, count, done)));
    var received = await done.Task.WaitAsync(TimeSpan.FromMinutes(2));
    var rate = received / watch.Elapsed.TotalSeconds;
    akka.Stop(burst);
    return (rate, received);
}

// Warm-up: connections, JIT.
await OwnRoundTrips(200);
await AkkaRoundTrips(200);
await OwnOneWay(5000);
await AkkaOneWay(5000);

var own = (Rt: new List<double>(), Ow: new List<double>(), Lost: 0L);
var ak = (Rt: new List<double>(), Ow: new List<double>(), Lost: 0L);
for (var trial = 0; trial < trials; trial++)
{
    own.Rt.Add(await OwnRoundTrips(roundTrips));
    ak.Rt.Add(await AkkaRoundTrips(roundTrips));
    var o = await OwnOneWay(oneWay);
    own.Ow.Add(o.Rate);
    own.Lost += oneWay - o.Received;
    var a = await AkkaOneWay(oneWay);
    ak.Ow.Add(a.Rate);
    ak.Lost += oneWay - a.Received;
}

Console.WriteLine($"{"",-22} {"round trips/s",14} {"one-way msgs/s",15} {"lost",6}");
Console.WriteLine($"{"own runtime (JSON)",-22} {Median(own.Rt),14:F0} {Median(own.Ow),15:F0} {own.Lost,6}");
Console.WriteLine($"{"Akka.Remote (Hyperion)",-22} {Median(ak.Rt),14:F0} {Median(ak.Ow),15:F0} {ak.Lost,6}");
Console.WriteLine($"ratio akka/own: round trips {Median(ak.Rt) / Median(own.Rt):F2}, one-way {Median(ak.Ow) / Median(own.Ow):F2}");
Console.WriteLine($"load at end: {LoadAverage()}");

responder.StandardInput.Close();
await responder.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
await akka.Terminate();
return 0;

int Arg(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1]) : fallback;
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}

static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";
