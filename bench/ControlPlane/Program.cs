// Control-plane speed between two processes on loopback: Akka.NET (Akka.Remote, the product's AkkaNode configuration,
// Hyperion) (issue 17: "Akka.Remote ping-pong round trips/s and small one-way messages/s between two processes"). This
// process drives; a child process (this program with --responder) hosts the echo actor. Until 2026-12-07 the own actor
// runtime ran beside it in interleaved trials; its last numbers are in docs/akka.md ("Control plane, measured before
// the own runtime goes").
//   round trips/s: one Ping in flight, the next sent when its Pong is back;
//   one-way msgs/s: a burst of small Pings Told as fast as one actor can, then a Flush whose answer counts arrivals.
using System.Diagnostics;
using ActorCodistill.Bench.ControlPlane;
using Akka.Actor;

var batching = !args.Contains("--no-batching");
if (args.Contains("--responder"))
{
    var akkaResponder = AkkaRuntime.Start("seed", batching);
    akkaResponder.ActorOf(Props.Create(() => new AkkaRuntime.Echo()), "echo");
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
string? akkaPath = null;
while (akkaPath is null && await responder.StandardOutput.ReadLineAsync() is { } line)
{
    if (line.StartsWith("AKKA ", StringComparison.Ordinal)) akkaPath = line[5..];
}
if (akkaPath is null) throw new InvalidOperationException("the responder process did not report its echo actor");

var akka = AkkaRuntime.Start("worker", batching);
var akkaEcho = await akka.ActorSelection(akkaPath).ResolveOne(TimeSpan.FromSeconds(20));

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
await AkkaRoundTrips(200);
await AkkaOneWay(5000);

var ak = (Rt: new List<double>(), Ow: new List<double>(), Lost: 0L);
for (var trial = 0; trial < trials; trial++)
{
    ak.Rt.Add(await AkkaRoundTrips(roundTrips));
    var a = await AkkaOneWay(oneWay);
    ak.Ow.Add(a.Rate);
    ak.Lost += oneWay - a.Received;
}

Console.WriteLine($"{"",-22} {"round trips/s",14} {"one-way msgs/s",15} {"lost",6}");
Console.WriteLine($"{"Akka.Remote (Hyperion)",-22} {Median(ak.Rt),14:F0} {Median(ak.Ow),15:F0} {ak.Lost,6}");
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
