namespace ActorCodistill.Cluster.Remote;

/// <summary>
/// What a bulk serializer makes of a message: small metadata for the transfer's header and the raw payload for its
/// chunks (the payload must stay unchanged until sent: a copy, or memory of an immutable array).
/// </summary>
public readonly record struct BulkMessageParts(byte[] Metadata, ReadOnlyMemory<byte> Payload);
