using Akka.Actor;
using Akka.Event;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Workers.Actors;

/// <summary>
/// Where a group's workers run. The only difference between the embedded run and a cluster: embedded,
/// a worker is the group's child; on a cluster, the seed's placement picks a free device slot on a worker
/// node, whose worker host starts it. Either way the worker announces itself to the group with
/// <see cref="WorkerReady"/> and the group watches it from then on.
/// </summary>
public interface IWorkerPlacement
{
    /// <summary>Creates (or asks for) the worker of (<paramref name="group"/>, <paramref name="slot"/>), incarnation <paramref name="generation"/>.</summary>
    void Place(IActorContext groupContext, JobSpec spec, int group, int slot, int generation);

    /// <summary>The group gives a worker up (fenced, drained, job over): it is stopped wherever it runs.</summary>
    void Release(IActorContext groupContext, IActorRef worker, int group, int slot, string reason);

    /// <summary>Nothing more is placed on the node at <paramref name="nodeAddress"/> for this job (an operator's drain); a no-op without nodes.</summary>
    void Drain(string nodeAddress)
    {
    }
}

/// <summary>Embedded placement: workers are children of their group, on pinned threads of this process.</summary>
public sealed class ChildPlacement(IWorkerFaults? fault = null) : IWorkerPlacement
{
    public void Place(IActorContext groupContext, JobSpec spec, int group, int slot, int generation) =>
        groupContext.ActorOf(WorkerActor.Props(spec, group, slot, generation, groupContext.Self, fault), $"worker-{slot}-{generation}");

    public void Release(IActorContext groupContext, IActorRef worker, int group, int slot, string reason) =>
        groupContext.Stop(worker);
}
