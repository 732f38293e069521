using ActorCodistill.Cluster.Bootstrap;
using ActorCodistill.Cluster.Slots;
using Akka.Actor;
using Akka.Event;

namespace ActorCodistill.Workers.Node;

/// <summary>
/// A worker node's host (<c>/user/worker-host</c>): hears from the seed which nodes an operator drained and tells this
/// node's instance of the slots' allocation strategy (it decides while this node runs the shard coordinator, on the
/// oldest worker node) and, when the drained node is this one, its <see cref="DevicePool"/>, whose slot entities then
/// start no more workers while their shards move away. The workers themselves run in the slot entities of the
/// <see cref="WorkerSlots"/> region.
/// </summary>
public sealed class WorkerHostActor : ReceiveActor
{
    public const string Name = "worker-host";

    public WorkerHostActor(DevicePool pool, PinnedSlotAllocation allocation)
    {
        var log = Context.GetLogger();
        var self = AkkaNode.AddressOf(Context.System);
        Receive<DrainWorkerNode>(drain =>
        {
            Address address;
            try
            {
                address = Address.Parse(drain.NodeAddress);
            }
            catch (UriFormatException e)
            {
                log.Warning($"{Sender.Path.Address} asked to drain '{drain.NodeAddress}', which is not an Akka address ({e.Message}); ignored");
                return;
            }
            allocation.Drain(address, drain.Reason);
            if (address != self) return;
            log.Info($"this node is drained ({drain.Reason}): its slots move to other nodes; devices now {pool.Describe()}");
            pool.MarkDrained(drain.Reason);
        });
    }

    public static Props Props(DevicePool pool, PinnedSlotAllocation allocation) => Akka.Actor.Props.Create(() => new WorkerHostActor(pool, allocation));
}
