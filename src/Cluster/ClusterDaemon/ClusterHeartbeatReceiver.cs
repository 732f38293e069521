using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.ClusterDaemon.Protocol;
using ActorCodistill.Cluster.Membership;

namespace ActorCodistill.Cluster.ClusterDaemon;

/// <summary>Answers every member's heartbeat, naming this incarnation so a restarted process is not mistaken for the old one.</summary>
internal sealed class ClusterHeartbeatReceiver : ReceiveActor
{
    public const string Name = "heartbeat-receiver";

    public ClusterHeartbeatReceiver(UniqueAddress self)
    {
        var from = ClusterProtoMapping.ToProto(self);
        Receive<ClusterHeartbeat>(heartbeat => Sender.Tell(new ClusterHeartbeatRsp { From = from, SequenceNr = heartbeat.SequenceNr }));
    }
}
