using ActorCodistill.Cluster.Remote.Protocol;
using Google.Protobuf;

namespace ActorCodistill.Cluster.Remote;

/// <summary>
/// The header of a bulk message, built and checked against the transport's limits on the caller's thread (so an
/// oversize message fails at Tell, naming the limit), for the own remoting and the Akka data plane alike.
/// </summary>
public static class BulkHeaders
{
    // Frame head plus transfer id, total bytes, chunk size, ack interval, checksum flags, with room to spare: the
    // header travels as one frame, and the transport fills in the transfer fields (a few dozen bytes) later.
    private const int Reserve = 128;

    public static BulkHeader Build(RemoteSettings settings, Type messageType, string recipient, string manifest, string sender, BulkMessageParts parts)
    {
        if (parts.Payload.Length > settings.MaxBulkTransferSize)
            throw new OversizeBulkMessageException(messageType, recipient, parts.Payload.Length, "maximum-bulk-transfer-size", settings.MaxBulkTransferSize);
        var header = new BulkHeader
        {
            Dtype = TensorDType.Bytes,
            Recipient = recipient,
            Manifest = manifest,
            Sender = sender,
            // A copy: metadata is small, and the caller's array is then free to change after Tell.
            Metadata = parts.Metadata is { Length: > 0 } metadata ? ByteString.CopyFrom(metadata) : ByteString.Empty,
        };
        var headerSize = header.CalculateSize() + Reserve;
        if (headerSize > settings.MaxFrameSize)
            throw new OversizeBulkMessageException(messageType, recipient, headerSize, "maximum-frame-size", settings.MaxFrameSize);
        return header;
    }
}

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
