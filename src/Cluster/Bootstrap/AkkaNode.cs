using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using ActorCodistill.Cluster.Security;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;

namespace ActorCodistill.Cluster.Bootstrap;

/// <summary>How the Split Brain Resolver decides which side of a partition survives (Akka.Cluster's SBR).</summary>
public enum SplitBrainStrategy { KeepOldest, KeepMajority, DownAll, Off }

/// <summary>What kind of node: a cluster member, a remoting client that is no member (ctl), or a process alone (the embedded run).</summary>
public enum NodeProvider { Cluster, Remote, Local }

/// <summary>
/// One node of an Akka.Cluster as the product runs it: where it listens, which seed nodes it joins, its roles
/// (<c>seed</c>, <c>worker</c>), how failures are detected and who survives a partition. The start of issue 17's move
/// to Akka.NET: the settings the product's own cluster has today (hocon/cluster.conf: keep-oldest on role seed,
/// heartbeat 500 ms, acceptable pause 2 s, small frames because tensors travel on the data plane), as Akka HOCON.
/// </summary>
public sealed record AkkaNodeOptions(
    string SystemName,
    string Hostname = "127.0.0.1",
    int Port = 0,
    IReadOnlyList<string>? SeedNodes = null,
    IReadOnlyList<string>? Roles = null)
{
    public SplitBrainStrategy Strategy { get; init; } = SplitBrainStrategy.KeepOldest;
    /// <summary>With keep-oldest: the oldest node of this role decides (the seed side survives).</summary>
    public string? KeepOldestRole { get; init; } = "seed";
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromMilliseconds(500);
    public TimeSpan AcceptableHeartbeatPause { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>Phi above which a peer is taken for unreachable.</summary>
    public double FailureThreshold { get; init; } = 8.0;
    public TimeSpan MinStdDeviation { get; init; } = TimeSpan.FromMilliseconds(100);
    /// <summary>How long a joining node waits for a seed's answer before it tries again.</summary>
    public TimeSpan SeedNodeTimeout { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>Cluster member, remoting client or a process alone (<c>akka.actor.provider</c>).</summary>
    public NodeProvider Provider { get; init; } = NodeProvider.Cluster;
    /// <summary>Messages an actor of the default dispatcher processes per turn.</summary>
    public int Throughput { get; init; } = 10;
    /// <summary>Messages per turn on <see cref="PinnedDispatcher"/>.</summary>
    public int PinnedThroughput { get; init; } = 100;
    /// <summary>
    /// Messages the product's training actors' mailbox holds (<c>actor.mailbox.capacity</c>, mailbox
    /// <see cref="ProductMailbox"/>); 0 = unbounded. Bounded: Akka's <c>BoundedMailbox</c> with no push timeout, so a
    /// message that finds it full goes to dead letters at once. Akka's own actors keep their unbounded mailboxes (they
    /// require them: a bounded default mailbox stops the ActorSystem at start).
    /// </summary>
    public int MailboxCapacity { get; init; }
    /// <summary>Default timeout of an Ask (<c>akka.actor.ask-timeout</c>).</summary>
    public TimeSpan AskTimeout { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>How long membership must be stable before the resolver downs the unreachable side.</summary>
    public TimeSpan StableAfter { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>Akka.Remote's frame limit: control messages only; must be the same on every node.</summary>
    public string MaximumFrameSize { get; init; } = "1 MiB";

    /// <summary>Akka's log level (<c>akka.loglevel</c>): DEBUG, INFO, WARNING or ERROR; lines go through <see cref="Diagnostics.ProductLogger"/>.</summary>
    public string LogLevel { get; init; } = "WARNING";

    /// <summary>The mailbox of the product's training actors (workers, groups, broadcasters): <c>actor.mailbox.*</c>.</summary>
    public const string ProductMailbox = "codistill.mailbox";

    /// <summary>The dispatcher of actors that must keep one thread for their whole life (TorchSharp state, dispose scopes).</summary>
    public const string PinnedDispatcher = "codistill.pinned-dispatcher";

    /// <summary>Mutual TLS with the cluster's CA (<see cref="ClusterTls"/>); null = plain TCP (loopback tests only).</summary>
    public ClusterTls? Tls { get; init; }

    /// <summary>More Akka configuration on top of the node's (e.g. the job journal's Akka.Persistence plugin); it wins where both set a key.</summary>
    public Config? Extra { get; init; }
}

/// <summary>This node's certificate (with its key) and the cluster CA that every peer's certificate must chain to.</summary>
public sealed record ClusterTls(X509Certificate2 Authority, X509Certificate2 NodeCertificate)
{
    /// <summary>
    /// TLS from the cluster secret alone: the CA derived from it (<see cref="ClusterCertificates.AuthorityFromSecret"/>) and
    /// a fresh certificate for this node issued by it, valid for <paramref name="lifetime"/> (default 30 days; a node
    /// makes a new one each start).
    /// </summary>
    public static ClusterTls FromSecret(string secret, string clusterName, string nodeName, TimeSpan? lifetime = null)
    {
        var authority = ClusterCertificates.AuthorityFromSecret(System.Text.Encoding.UTF8.GetBytes(secret), clusterName);
        return new ClusterTls(authority, ClusterCertificates.IssueNode(authority, nodeName, lifetime ?? TimeSpan.FromDays(30)));
    }

    /// <summary>The same identity for the data plane's TLS (<see cref="ActorCodistill.Cluster.DataPlane.DataPlane"/>): this certificate, peers checked against the CA.</summary>
    public Remote.RemoteTlsSettings ForDataPlane() => new() { Certificate = NodeCertificate, Authority = Authority };
}

/// <summary>Builds the Akka configuration of a product node and starts its ActorSystem.</summary>
public static class AkkaNode
{
    public static Config Configuration(AkkaNodeOptions o)
    {
        static string Ms(TimeSpan t) => ((long)t.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";
        static string Quoted(IEnumerable<string> items) => "[" + string.Join(", ", items.Select(i => "\"" + i + "\"")) + "]";
        var scheme = o.Tls is null ? "akka.tcp" : "akka.ssl.tcp";
        var seeds = (o.SeedNodes ?? []).Select(s => s.Contains("://", StringComparison.Ordinal) ? s : $"{scheme}://{o.SystemName}@{s}");
        var strategy = o.Strategy switch
        {
            SplitBrainStrategy.KeepOldest => "keep-oldest",
            SplitBrainStrategy.KeepMajority => "keep-majority",
            _ => "down-all",
        };
        var role = o.KeepOldestRole is { Length: > 0 } r ? $"role = \"{r}\"" : "";
        var keepOldest = o.Strategy == SplitBrainStrategy.KeepOldest ? $"keep-oldest {{ down-if-alone = on, {role} }}" : "keep-oldest { down-if-alone = on }";
        var keepMajority = o.Strategy == SplitBrainStrategy.KeepMajority ? $"keep-majority {{ {role} }}" : "";
        var downing = o.Strategy == SplitBrainStrategy.Off ? "\"\"" : "\"Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster\"";
        var provider = o.Provider switch
        {
            NodeProvider.Cluster => "cluster",
            NodeProvider.Remote => "remote",
            _ => "local",
        };
        var mailbox = o.MailboxCapacity > 0
            ? $"mailbox-type = \"Akka.Dispatch.BoundedMailbox, Akka\", mailbox-capacity = {o.MailboxCapacity.ToString(CultureInfo.InvariantCulture)}, mailbox-push-timeout-time = 0s"
            : "mailbox-type = \"Akka.Dispatch.UnboundedMailbox, Akka\"";
        var hocon = $$"""
            codistill.mailbox {
              {{mailbox}}
            }
            codistill.pinned-dispatcher {
              type = PinnedDispatcher
              executor = thread-pool-executor
              throughput = {{o.PinnedThroughput.ToString(CultureInfo.InvariantCulture)}}
            }
            akka {
              loglevel = {{o.LogLevel}}
              stdout-loglevel = WARNING
              loggers = ["ActorCodistill.Cluster.Diagnostics.ProductLogger, ActorCodistill.Cluster"]
              actor {
                provider = {{provider}}
                ask-timeout = {{Ms(o.AskTimeout)}}
                default-dispatcher.throughput = {{o.Throughput.ToString(CultureInfo.InvariantCulture)}}
                # The sender picks the serializer id: Akka's JSON (id 1) would instantiate any $type a peer names, so
                # it is closed, and Hyperion's id (-5) is the product's allow-listed one (docs/akka.md).
                serializers {
                  json = "ActorCodistill.Cluster.Serialization.ClosedSerializer, ActorCodistill.Cluster"
                  hyperion = "ActorCodistill.Cluster.Serialization.ProductMessageSerializer, ActorCodistill.Cluster"
                }
                serialization-bindings {
                  "ActorCodistill.Cluster.Serialization.IProductMessage, ActorCodistill.Cluster" = hyperion
                }
              }
              remote.dot-netty.tcp {
                enable-ssl = {{(o.Tls is null ? "off" : "on")}}
                hostname = "{{o.Hostname}}"
                port = {{o.Port.ToString(CultureInfo.InvariantCulture)}}
                maximum-frame-size = {{o.MaximumFrameSize}}
                send-buffer-size = {{o.MaximumFrameSize}}
                receive-buffer-size = {{o.MaximumFrameSize}}
              }
              cluster {
                seed-nodes = {{Quoted(seeds)}}
                seed-node-timeout = {{Ms(o.SeedNodeTimeout)}}
                roles = {{Quoted(o.Roles ?? [])}}
                failure-detector {
                  heartbeat-interval = {{Ms(o.HeartbeatInterval)}}
                  acceptable-heartbeat-pause = {{Ms(o.AcceptableHeartbeatPause)}}
                  threshold = {{o.FailureThreshold.ToString(CultureInfo.InvariantCulture)}}
                  min-std-deviation = {{Ms(o.MinStdDeviation)}}
                }
                downing-provider-class = {{downing}}
                # Worker slots are sharded entities (src/Workers/Node/WorkerSlots.cs): a training worker idles between
                # the group's messages for as long as a step or a pause takes, so idle entities are never passivated;
                # rebalances (a drain moving slots) are looked for every 2 s.
                sharding {
                  passivate-idle-entity-after = off
                  rebalance-interval = 2s
                }
                # The slots' shard coordinator is a singleton on the oldest worker node. When that node is downed, the
                # next oldest asks it to hand over a few times before it takes over (Akka's default 15 tries, one a
                # second, is most of a worker's recovery time then); a downed node does not answer.
                singleton.min-number-of-hand-over-retries = 5
                split-brain-resolver {
                  active-strategy = {{strategy}}
                  stable-after = {{Ms(o.StableAfter)}}
                  {{keepOldest}}
                  {{keepMajority}}
                }
              }
            }
            """;
        var node = ConfigurationFactory.ParseString(hocon);
        return o.Extra is null ? node : o.Extra.WithFallback(node);
    }

    public static ActorSystem Start(AkkaNodeOptions options) => ActorSystem.Create(options.SystemName, Setup(options));

    /// <summary>
    /// The configuration and, with <see cref="AkkaNodeOptions.Tls"/>, the TLS setup: this node's certificate, mutual
    /// authentication required, and a validator that accepts only certificates issued by the cluster CA (logging why it
    /// refused one). Hostname validation is off: nodes are identified by their certificate's issuer, not their address.
    /// </summary>
    public static ActorSystemSetup Setup(AkkaNodeOptions options)
    {
        var setup = BootstrapSetup.Create().WithConfig(Configuration(options));
        if (options.Tls is not { } tls) return ActorSystemSetup.Create(setup);
        var authority = tls.Authority;
        CertificateValidationCallback validator = (certificate, _, peer, _, log) =>
        {
            var why = ClusterCertificates.Check(authority, certificate);
            if (why is not null) log.Warning("TLS: refused {0}: {1}", peer, why);
            return why is null;
        };
        var ssl = new DotNettySslSetup(tls.NodeCertificate, suppressValidation: false, requireMutualAuthentication: true,
            validateCertificateHostname: false, validator);
        return ActorSystemSetup.Create(setup, ssl);
    }

    /// <summary>The address other nodes reach this one at (the bound port when <see cref="AkkaNodeOptions.Port"/> was 0).</summary>
    public static Address AddressOf(ActorSystem system) => ((ExtendedActorSystem)system).Provider.DefaultAddress;
}
