using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.Remoting;

namespace ActorCodistill.Cluster.Sharding;

/// <summary>
/// The ref <see cref="ClusterSharding.Start"/> returns: the region itself, except that an entity message without a
/// serializer is refused at Tell (on the caller's thread) with <see cref="NotSerializableMessageException"/>, since
/// any entity message may have to cross to another node. Equal to the region's own ref; Ask and Watch work on it.
/// </summary>
internal sealed class ShardRegionRef(InternalActorRef region, SerializerRegistry serializers) : InternalActorRef
{
    public override ActorPath Path => region.Path;

    public override ActorSystem System => region.System;

    public override void Tell(object message, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message is ShardingEnvelope envelope && !serializers.CanSerialize(envelope.Message.GetType()))
        {
            throw new NotSerializableMessageException(envelope.Message.GetType(), $"entity '{envelope.EntityId}' of region {Path}");
        }

        region.Tell(message, sender);
    }

    public override void SendSystemMessage(SystemMessage message) => region.SendSystemMessage(message);
}
