using Akka.Actor;
using Akka.Event;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Distributed;

/// <summary>A group -> the seed's placement: find a device slot for the worker of (group, slot), incarnation generation.</summary>
public sealed record RequestWorker(JobSpec Spec, int Group, int Slot, int Generation, IActorRef GroupRef);

/// <summary>Placement -> the job: how many device slots the reachable, non-draining worker nodes offer now.</summary>
public sealed record SlotsChanged(int Slots, int Free, int Nodes);

/// <summary>Placement: place nothing more on this node (its workers are released by their groups at a step boundary).</summary>
public sealed record DrainPlacement(string NodeAddress);

/// <summary>Asks the placement whether <paramref name="NodeAddress"/> is a worker node a drain can name; the answer is a <see cref="DrainCheck"/>.</summary>
public sealed record CheckDrain(string NodeAddress);

/// <param name="Refusal">Why the node cannot be drained (not a worker node of this cluster); null when it can.</param>
/// <param name="Address">The node's full address when it can (a drain may name it by host:port).</param>
public sealed record DrainCheck(string? Refusal, string? Address = null);

/// <summary>What the placement knows, for status.</summary>
public sealed record GetPlacement;

public sealed record PlacementView(IReadOnlyList<string> Lines);
