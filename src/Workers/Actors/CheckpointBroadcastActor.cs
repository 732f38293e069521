using Akka.Actor;
using Akka.Event;

namespace ActorCodistill.Workers.Actors;

/// <summary>
/// Pushes one group's float16 checkpoints to the groups that read from it (per the coordinator's
/// current topology) and counts what it sent. Checkpoints are immutable, so one copy serves every
/// reader in-process; across nodes each reader costs one bulk transfer of 2 bytes per parameter.
/// </summary>
public sealed class CheckpointBroadcastActor : ReceiveActor
{
    private readonly int _group;
    private IReadOnlyList<IActorRef> _readers = [];
    private long _checkpoints;
    private long _bytesSent;

    public CheckpointBroadcastActor(int group, IActorRef coordinator)
    {
        _group = group;
        Receive<BroadcastTargets>(targets => _readers = targets.Readers);
        Receive<PublishCheckpoint>(publish =>
        {
            _checkpoints++;
            foreach (var reader in _readers)
            {
                Context.TellTensor(reader, new TeacherCheckpointArrived(publish.Checkpoint));
                _bytesSent += publish.Checkpoint.Weights.Length * 2L;
            }
            coordinator.Tell(new BroadcastStats(_group, _checkpoints, _bytesSent), Self);
        });
        Receive<GetBroadcastStats>(_ => Sender.Tell(new BroadcastStats(_group, _checkpoints, _bytesSent), Self));
    }

    public static Props Props(int group, IActorRef coordinator) =>
        Akka.Actor.Props.Create(() => new CheckpointBroadcastActor(group, coordinator)).WithMailbox(ActorCodistill.Cluster.Bootstrap.AkkaNodeOptions.ProductMailbox);
}
