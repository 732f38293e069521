using ActorCodistill.Cluster.Serialization;
using Akka.Actor;
using Akka.Event;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Workers.Node;

/// <summary>
/// Seed's placement -> a worker node's host: start the worker of (<paramref name="Group"/>, <paramref name="Slot"/>),
/// incarnation <paramref name="Generation"/>, on device slot <paramref name="Device"/>; it reports to <paramref name="GroupRef"/>.
/// </summary>
public sealed record SpawnWorker(JobSpec Spec, int Group, int Slot, int Generation, string Device, IActorRef GroupRef) : IProductMessage;

/// <summary>Host -> placement: the worker runs (so a lost node's slots can be told apart from spawns still on their way).</summary>
public sealed record WorkerStarted(string Device, int Group, int Slot, int Generation) : IProductMessage;

/// <summary>Host -> placement: the device is free again (the worker stopped, was fenced, or its group is gone).</summary>
public sealed record WorkerStopped(string Device, int Group, int Slot, int Generation) : IProductMessage;

/// <summary>Host -> placement: the spawn was refused (unknown device, device busy, bad spec), with the reason.</summary>
public sealed record SpawnRefused(string Device, int Group, int Slot, int Generation, string Reason) : IProductMessage;
