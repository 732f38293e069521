using Akka.Actor;
using Akka.Event;
using ActorCodistill.Cluster.Configuration;
using ActorCodistill.Coordinator.Job;
using ActorCodistill.Workers.Node;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Distributed;

/// <summary>
/// The operator's client: a short-lived Akka.Remote node (not a cluster member, so it never takes part in downing
/// decisions) with TLS from the cluster secret, which Asks the seed's <c>/user/job</c> one message, prints the answer and
/// stops. A wrong secret fails the TLS handshake, which stops the client's system: that reads as no answer.
/// Exit code 0 = accepted, 1 = refused (with the reason), 2 = could not ask.
/// </summary>
public static class CtlCommand
{
    public static int Run(string? configPath, IReadOnlyDictionary<string, string?> overrides, string seed, string? host, CoordinatorMessage message,
        TimeSpan timeout, TextWriter output)
    {
        var config = ConfigLoader.Load(configPath, ClientOverrides(overrides));
        var address = ClusterNode.ParseSeed(seed);
        var node = ClusterNode.Start(new NodeOptions(config, ["client"], [], null, host, 0, JoinCluster: false));
        try
        {
            var job = node.System.ActorSelection(new RootActorPath(address) / "user" / SeedHosting.JobActorName);
            object answer;
            try
            {
                var ask = job.Ask<object>(message, timeout);
                if (Task.WhenAny(ask, node.System.WhenTerminated).GetAwaiter().GetResult() != ask) throw new AskTimeoutException("the client's actor system stopped");
                answer = ask.GetAwaiter().GetResult();
            }
            catch (AskTimeoutException)
            {
                output.WriteLine($"error: no answer from the seed at {address} within {timeout.TotalSeconds:0}s " +
                                 "(is it running, and do both sides use the same cluster secret?)");
                return 2;
            }
            switch (answer)
            {
                case JobStatus status:
                    output.WriteLine(Format(status));
                    return 0;
                case ReconfigureResult result:
                    output.WriteLine((result.Accepted ? "accepted: " : "refused: ") + result.Message);
                    return result.Accepted ? 0 : 1;
                default:
                    output.WriteLine($"unexpected answer {answer.GetType().Name}");
                    return 2;
            }
        }
        finally
        {
            node.System.Terminate().Wait(TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>
    /// The settings ctl runs with: a short-lived client prints its answer, not its actor system's start-up lines (issue
    /// 19, finding 8: eight INFO lines came before the answer); a user's own <c>actor.log-level</c> still wins.
    /// </summary>
    public static Dictionary<string, string?> ClientOverrides(IReadOnlyDictionary<string, string?> overrides)
    {
        var settings = overrides.ToDictionary(kv => kv.Key, kv => kv.Value);
        settings.TryAdd("actor.log-level", "warning");
        return settings;
    }

    public static string Format(JobStatus s)
    {
        var lines = new List<string>
        {
            $"job {s.JobId}: {s.Phase.ToString().ToLowerInvariant()}, topology {Topology.Name(s.Topology)}, reload interval {s.ReloadInterval}, " +
            $"distillation weight {s.DistillWeight}",
        };
        foreach (var (group, step) in s.GroupSteps.OrderBy(kv => kv.Key))
            lines.Add($"  group {group}: step {step} of {s.Steps}" + (s.GroupMembers.TryGetValue(group, out var m) ? $", {m} workers" : ""));
        if (s.Placement.Count > 0)
        {
            lines.Add("placement:");
            lines.AddRange(s.Placement.Select(p => "  " + p));
        }
        if (s.RecentEvents.Count > 0)
        {
            lines.Add("recent events:");
            lines.AddRange(s.RecentEvents.Select(e => "  " + e));
        }
        return string.Join(Environment.NewLine, lines);
    }
}
