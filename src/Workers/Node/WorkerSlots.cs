using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using ActorCodistill.Workers.Actors;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Workers.Node;

/// <summary>
/// The worker slots' shards (type <see cref="TypeName"/>, role <c>worker</c>): every worker node hosts a region, the
/// seed a proxy through which its placement sends; the shard coordinator, with the allocation's pins, runs on the
/// oldest worker node (docs/cluster.md, "Worker slots as sharded entities").
/// </summary>
public static class WorkerSlots
{
    public const string TypeName = "worker-slot";

    /// <summary>How long a slot that is handed off waits for its group to release the worker before stopping it.</summary>
    public static readonly TimeSpan HandOffGrace = TimeSpan.FromSeconds(30);

    /// <summary>The group part of a slot's id (<c>g0</c> of <c>g0-s1</c>): the allocation spreads a group's slots over the nodes.</summary>
    public static string? GroupOf(string slotId) => slotId.IndexOf('-') is > 0 and var dash ? slotId[..dash] : null;

    /// <summary>The entity (and shard) id of (<paramref name="group"/>, <paramref name="slot"/>).</summary>
    public static string EntityId(int group, int slot) => $"g{group}-s{slot}";

    /// <summary>One slot per shard: each slot is placed on its own.</summary>
    public sealed class Extractor : IMessageExtractor
    {
        public string? EntityId(object message) => message is SpawnWorker s ? WorkerSlots.EntityId(s.Group, s.Slot) : null;

        public object? EntityMessage(object message) => message;

        public string? ShardId(object message) => EntityId(message);

        public string ShardId(string entityId, object? messageHint = null) => entityId;
    }

    /// <summary>The role of the nodes that host slots.</summary>
    public const string Role = "worker";

    /// <summary>Starts a worker node's region for worker slots; <paramref name="workerProps"/> defaults to the product's worker.</summary>
    public static IActorRef StartRegion(ActorSystem system, DevicePool pool, IShardAllocationStrategy allocation,
        Func<SpawnWorker, ILoggingAdapter, Props>? workerProps = null, TimeSpan? handOffGrace = null)
    {
        var props = workerProps ?? DefaultWorker;
        var grace = handOffGrace ?? HandOffGrace;
        return ClusterSharding.Get(system).Start(TypeName, _ => WorkerSlotActor.Props(pool, props, grace),
            ClusterShardingSettings.Create(system).WithRole(Role).WithRememberEntities(false), new Extractor(), allocation, SlotHandOff.Instance);
    }

    /// <summary>Starts a proxy to the worker slots (on the seed): it hosts no slot and routes to the worker nodes' regions.</summary>
    public static IActorRef StartProxy(ActorSystem system) => ClusterSharding.Get(system).StartProxy(TypeName, Role, new Extractor());

    private static int _threadsSet;

    /// <summary>The product's worker; the first one of a process sets its thread pools and host cache (per process).</summary>
    public static Props DefaultWorker(SpawnWorker spawn, ILoggingAdapter log)
    {
        if (Interlocked.Exchange(ref _threadsSet, 1) == 0)
            log.Info(TorchSetup.InitializeAndDescribe(spawn.Spec.TorchThreads, spawn.Spec.BlasThreads, spawn.Spec.HostCacheBytes));
        return WorkerActor.Props(spawn.Spec, spawn.Group, spawn.Slot, spawn.Generation, spawn.GroupRef);
    }
}
