using ActorCodistill.Cluster.Actors;

namespace ActorCodistill.Cluster.Sharding;

/// <summary>
/// /system/sharding: parent of every region (/system/sharding/&lt;type&gt;) and coordinator
/// (/system/sharding/&lt;type&gt;Coordinator) of this node, so their paths are the same on every node.
/// </summary>
internal sealed class ShardingGuardian : ReceiveActor
{
    public ShardingGuardian()
    {
        Receive<StartShardRegion>(start =>
        {
            var existing = Context.Child(ShardingNames.RegionName(start.TypeName));
            if (!existing.Equals(ActorRefs.Nobody))
            {
                Sender.Tell(new Status.Failure(new InvalidOperationException(
                    $"sharding type '{start.TypeName}' is already started on {Context.System.Address}")));
                return;
            }

            // The coordinator first, so the local region never finds its path empty.
            if (start.Coordinator is not null) Context.ActorOf(start.Coordinator, ShardingNames.CoordinatorName(start.TypeName));
            Sender.Tell(Context.ActorOf(start.Region, ShardingNames.RegionName(start.TypeName)));
        });
    }
}
