using Akka.Actor;
using Akka.Event;
using ActorCodistill.Workers.Actors;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Distributed;

/// <summary>
/// Cluster placement: a group's workers run on worker nodes' device slots chosen by the seed's
/// <see cref="SlotPlacementActor"/>; releasing a worker tells it to stop wherever it runs (a hung one does so
/// when it wakes up, and its slot stays taken until then or until its node is removed).
/// </summary>
public sealed class RemotePlacement(IActorRef placement) : IWorkerPlacement
{
    public void Place(IActorContext groupContext, JobSpec spec, int group, int slot, int generation) =>
        placement.Tell(new RequestWorker(spec, group, slot, generation, groupContext.Self), groupContext.Self);

    public void Release(IActorContext groupContext, IActorRef worker, int group, int slot, string reason) =>
        worker.Tell(new StopWorker(reason), groupContext.Self);

    public void Drain(string nodeAddress) => placement.Tell(new DrainPlacement(nodeAddress));
}
