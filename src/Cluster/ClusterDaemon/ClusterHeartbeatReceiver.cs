using System.Collections.Immutable;
using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.ClusterDaemon.Protocol;
using ActorCodistill.Cluster.Membership;
using UniqueAddressProto = ActorCodistill.Cluster.Remote.Protocol.UniqueAddressProto;

namespace ActorCodistill.Cluster.ClusterDaemon;

/// <summary>
/// Answers every member's heartbeat, naming this incarnation so a restarted process is not mistaken for the old one.
/// A heartbeat from a removed incarnation (still running after it was downed, e.g. resumed after SIGSTOP) is not
/// answered, so it stops looking reachable, and is passed to the daemon, which answers with the gossip that holds its
/// tombstone.
/// </summary>
internal sealed class ClusterHeartbeatReceiver : ReceiveActor
{
    public const string Name = "heartbeat-receiver";

    // Wire form of the removed incarnations: a heartbeat's sender is compared as received, without parsing it.
    private ImmutableDictionary<UniqueAddressProto, UniqueAddress> _removed = ImmutableDictionary<UniqueAddressProto, UniqueAddress>.Empty;

    public ClusterHeartbeatReceiver(UniqueAddress self)
    {
        var from = ClusterProtoMapping.ToProto(self);
        Receive<RemovedIncarnations>(removed => _removed = removed.Nodes.ToImmutableDictionary(ClusterProtoMapping.ToProto, n => n));
        Receive<ClusterHeartbeat>(heartbeat =>
        {
            if (heartbeat.From is { } sender && _removed.TryGetValue(sender, out var node))
            {
                Context.Parent.Tell(new HeartbeatFromRemoved(node));
                return;
            }

            Sender.Tell(new ClusterHeartbeatRsp { From = from, SequenceNr = heartbeat.SequenceNr });
        });
    }
}
