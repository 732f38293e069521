using ActorCodistill.Cluster.Serialization;
using Akka.Actor;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Workers.Node;

/// <summary>
/// Seed's placement -> the worker slot entity (<c>g{Group}-s{Slot}</c>, through the <see cref="WorkerSlots"/> shard
/// region): run the worker of (<paramref name="Group"/>, <paramref name="Slot"/>), incarnation
/// <paramref name="Generation"/>, on a device of the node the slot lives on; it reports to <paramref name="GroupRef"/>.
/// Sent again when the placement cannot tell whether it arrived: the entity starts each incarnation once.
/// </summary>
public sealed record SpawnWorker(JobSpec Spec, int Group, int Slot, int Generation, IActorRef GroupRef) : IProductMessage;

/// <summary>Slot entity -> placement: the worker runs on <paramref name="Device"/> of the entity's node.</summary>
public sealed record WorkerStarted(string Device, int Group, int Slot, int Generation) : IProductMessage;

/// <summary>Slot entity -> placement: the device is free again (the worker stopped, was fenced, or its group is gone).</summary>
public sealed record WorkerStopped(string Device, int Group, int Slot, int Generation) : IProductMessage;

/// <summary>
/// Slot entity -> placement: the spawn was refused, with the reason. <paramref name="Retry"/>: the placement sends it
/// again after a while (the node is drained and the slot is about to move; a device is still held by a worker that is
/// stopping); false when asking again cannot help (the job spec is invalid here).
/// </summary>
public sealed record SpawnRefused(string Device, int Group, int Slot, int Generation, string Reason, bool Retry) : IProductMessage;

/// <summary>
/// Seed's placement -> every worker node's host: the node at <paramref name="NodeAddress"/> is drained. Each host tells
/// its instance of the allocation strategy (the shard coordinator runs on the oldest worker node, and moves when that
/// one is lost), and the drained node's own slots start no more workers while they move away. Told again to a node
/// that joins later.
/// </summary>
public sealed record DrainWorkerNode(string NodeAddress, string Reason) : IProductMessage;

/// <summary>
/// What the shard tells a slot entity when the slot moves to another node (a drain's rebalance): the entity stops once
/// its worker has been released by its group (at a step boundary), or after <see cref="WorkerSlots.HandOffGrace"/>.
/// Local to a node, never sent over the wire.
/// </summary>
public sealed record SlotHandOff
{
    public static readonly SlotHandOff Instance = new();
}
