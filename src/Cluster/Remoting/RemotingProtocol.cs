using ActorCodistill.Cluster.Actors;

namespace ActorCodistill.Cluster.Remoting;

/// <summary>
/// Asks the node of the recipient whether an actor lives at its path. The remoting layer of that node answers
/// with <see cref="ActorIdentity"/> itself, so the actor does not have to handle it (Akka's Identify).
/// </summary>
public sealed record Identify(string MessageId);

/// <summary>The answer to <see cref="Identify"/>; <see cref="Subject"/> is null when no actor lives there.</summary>
public sealed record ActorIdentity(string MessageId, IActorRef? Subject);

/// <summary>Thrown at Tell time for a message the <see cref="SerializerRegistry"/> cannot put on the wire.</summary>
public sealed class NotSerializableMessageException(Type messageType, string recipient)
    : Exception($"cannot send {messageType.FullName} to {recipient}: no serializer is registered for that type " +
                "(register it in RemoteActorSystem.Serializers: protobuf messages with AddProtobuf<T>())")
{
    public Type MessageType { get; } = messageType;
}

/// <summary>A peer sent a payload this node cannot turn back into a message (unknown manifest, garbled bytes).</summary>
public sealed class RemoteSerializationException(string message, Exception? inner = null) : Exception(message, inner);
