using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.Remote;
using ActorCodistill.Cluster.Remoting;

namespace ActorCodistill.TestKit.MultiNode;

public sealed record MultiNodeOptions
{
    /// <summary>Shared by every node: the handshake refuses a peer with another system name.</summary>
    public string SystemName { get; init; } = "multinode";

    /// <summary>Remote deathwatch settings; the "node gone" checks run on <see cref="MultiNodeCluster.FailureClock"/>.</summary>
    public RemotingSettings Remoting { get; init; } = RemotingSettings.Default with { UseFailureDetector = false };

    /// <summary>Applied to each node's transport settings (after hostname 127.0.0.1, port 0, secret).</summary>
    public Func<RemoteSettings, RemoteSettings>? ConfigureRemote { get; init; }

    public LogLevel LogLevel { get; init; } = LogLevel.Info;

    /// <summary>Also write every node's log to stderr (debugging a failing test).</summary>
    public bool EchoLogs { get; init; }
}
