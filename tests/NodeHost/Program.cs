using System.Runtime.InteropServices;
using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.ClusterDaemon;
using DowningSettings = ActorCodistill.Cluster.Configuration.DowningSettings;
using DowningStrategy = ActorCodistill.Cluster.Configuration.DowningStrategy;
using ActorCodistill.Cluster.Remote;
using ActorCodistill.Cluster.Remoting;
using ActorCodistill.NodeHost;
using ClusterExt = ActorCodistill.Cluster.ClusterDaemon.Cluster;

// A minimal cluster node for process-level tests. stdout carries the lines tests wait for:
//   READY <address> <uid>        once the transport is bound and the cluster daemon started
//   EVENT <type> <address> <uid> per cluster event (see EventPrinter)
//   EXIT <why>                   when the actor system has terminated (downed, removed, or SIGTERM after leaving)
// Logs go to stderr. Exit codes: 0 after SIGTERM/SIGINT, 1 when the cluster stopped the node, 2 for bad usage.

NodeHostOptions options;
try
{
    options = NodeHostOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"NodeHost: {e.Message}");
    Console.Error.WriteLine(NodeHostOptions.Usage);
    return 2;
}

var secret = RemoteSettings.SecretFromEnvironment();
if (string.IsNullOrEmpty(secret))
{
    Console.Error.WriteLine($"NodeHost: the cluster secret is not set; export {RemoteSettings.SecretEnvironmentVariable}");
    return 2;
}

var outputGate = new object();
void Print(string line)
{
    lock (outputGate) Console.Out.WriteLine(line);
}

RemoteActorSystem remoting;
ClusterExt cluster;
Address[] seedNodes;
try
{
    remoting = RemoteActorSystem.Start(
        new RemoteSettings { SystemName = options.SystemName, Hostname = options.Hostname, Port = options.Port, Secret = secret },
        new ActorSystemSettings { LogSink = new ConsoleLogSink(), LogLevel = options.LogLevel });
    var self = remoting.Address;
    seedNodes = options.Seeds.IsEmpty
        ? [self]
        : options.Seeds.Select(s => Address.Parse($"{Address.DefaultProtocol}://{options.SystemName}@{s}")).ToArray();
    var settings = ClusterDaemonSettings.Default with
    {
        Roles = options.Roles,
        SeedNodeTimeout = options.SeedNodeTimeout,
        SeedJoinRetryInterval = TimeSpan.FromMilliseconds(Math.Min(500, options.SeedNodeTimeout.TotalMilliseconds)),
        GossipInterval = options.GossipInterval,
        LeaderActionsInterval = options.LeaderActionsInterval,
        FailureDetector = ClusterDaemonSettings.Default.FailureDetector with
        {
            HeartbeatInterval = options.HeartbeatInterval,
            AcceptableHeartbeatPause = options.AcceptableHeartbeatPause,
        },
        Downing = new DowningSettings(DowningStrategy.KeepMajority, options.StableAfter),
    };
    // Joined only after READY, so READY is the first line and no event is missed.
    cluster = ClusterExt.Start(remoting, settings);
    cluster.Subscribe(remoting.System.ActorOf(Props.Create(() => new EventPrinter(Print)), "event-printer"));
}
catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException or IOException or System.Net.Sockets.SocketException)
{
    Console.Error.WriteLine($"NodeHost: cannot start: {e.Message}");
    return 2;
}

var signalled = 0;
void OnSignal(PosixSignalContext context)
{
    // The runtime would exit at once; coordinated shutdown leaves the cluster first, then Main returns.
    context.Cancel = true;
    if (Interlocked.Exchange(ref signalled, 1) == 0)
    {
        Print($"STOPPING {context.Signal}");
        remoting.System.CoordinatedShutdown.Run(new CoordinatedShutdown.ClrExitReason());
    }
}
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);

Print($"READY {remoting.Address} {cluster.SelfUniqueAddress.Uid}");
cluster.JoinSeedNodes(seedNodes);

await remoting.System.WhenTerminated;
await remoting.ShutdownAsync();
var selfStatus = cluster.SelfMember.Status;
if (remoting.System.CoordinatedShutdown.ShutdownReason is ClusterDowningReason downed)
{
    Print($"EXIT removed-by-cluster: {downed.Detail}");
    return 1;
}

Print($"EXIT shutdown: {remoting.System.CoordinatedShutdown.ShutdownReason?.GetType().Name ?? "unknown"}, last status {selfStatus}");
return 0;
