using ActorCodistill.Cluster.Remote;

namespace ActorCodistill.Cluster.Remoting;

/// <summary>
/// One message type whose payload travels on the bulk channel: small metadata (in the transfer's header) plus raw
/// bytes (the chunks). Register it with <see cref="SerializerRegistry.AddBulk"/>.
/// </summary>
/// <param name="ToBulk">
/// Called at Tell time on the caller's thread. The returned payload must stay valid and unchanged until sent: return
/// a copy, or memory of an immutable array. Metadata is small (a few hundred bytes).
/// </param>
/// <param name="FromBulk">
/// Called on the receiving node with (metadata, payload, refs); must copy what it keeps out of the payload, whose
/// buffer is pooled and reused once it returns.
/// </param>
public sealed record BulkMessageSerializer(
    System.Type Type,
    string Manifest,
    Func<object, IRemoteRefContext, BulkMessageParts> ToBulk,
    Func<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>, IRemoteRefContext, object> FromBulk);
