using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.Remoting;

namespace ActorCodistill.TestKit.MultiNode;

/// <summary>One node of a <see cref="MultiNodeCluster"/>: an actor system with remoting on a loopback port.</summary>
public sealed class ClusterNode
{
    internal ClusterNode(int index, RemoteActorSystem remoting, CapturingLogSink logs, IActorRef barrier)
    {
        Index = index;
        Remoting = remoting;
        Logs = logs;
        Barrier = barrier;
    }

    public int Index { get; }

    public RemoteActorSystem Remoting { get; }

    public ActorSystem System => Remoting.System;

    public Address Address => Remoting.Address;

    /// <summary>This node's log (actor system and transport), for assertions.</summary>
    public CapturingLogSink Logs { get; }

    /// <summary>False after Kill or Shutdown.</summary>
    public bool IsRunning { get; internal set; } = true;

    internal IActorRef Barrier { get; }

    /// <summary>The path of <paramref name="relative"/> (e.g. "user/echo") on this node, for ResolveRemote on another node.</summary>
    public string PathOf(string relative) => $"{Address}/{relative.TrimStart('/')}";

    public override string ToString() => $"node {Index} ({Address})";
}
