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


/// <summary>Thrown at Tell time for a bulk message whose payload or metadata cannot fit the transport's limits.</summary>
public sealed class OversizeBulkMessageException(System.Type messageType, string recipient, long size, string setting, long limit)
    : Exception($"cannot send {messageType.FullName} to {recipient}: its bulk {(setting == "maximum-bulk-transfer-size" ? "payload" : "header (metadata and paths)")} " +
                $"is {size} bytes, over remote setting '{setting}' ({limit} bytes)")
{
    public System.Type MessageType { get; } = messageType;

    public long Size { get; } = size;

    /// <summary>The remote setting (HOCON key) that limits it.</summary>
    public string Setting { get; } = setting;
}
