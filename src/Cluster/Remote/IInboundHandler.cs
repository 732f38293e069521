using System.Buffers;
using ActorCodistill.Cluster.Remote.Protocol;

namespace ActorCodistill.Cluster.Remote;

/// <summary>
/// Where the transport delivers what authenticated peers send; the actor runtime implements it.
/// Calls come from connection threads: one peer's control messages arrive in order, one at a time.
/// </summary>
public interface IInboundHandler
{
    void OnControl(UniqueRemoteAddress from, Envelope envelope);

    /// <summary>A complete, checksum-verified bulk transfer. The handler owns <paramref name="payload"/> and must dispose it.</summary>
    void OnBulk(UniqueRemoteAddress from, BulkPayload payload);

    /// <summary>
    /// Lets the handler receive a transfer straight into its own memory (e.g. a pinned tensor buffer) of exactly
    /// <c>header.TotalBytes</c>; null means the transport rents a pooled buffer.
    /// </summary>
    Memory<byte>? ProvideBulkBuffer(UniqueRemoteAddress from, BulkHeader header) => null;
}

/// <summary>Bytes of one bulk transfer; returns a pooled buffer to the pool on dispose.</summary>
public sealed class BulkPayload : IDisposable
{
    private byte[]? _rented;

    internal BulkPayload(BulkHeader header, Memory<byte> data, byte[]? rented)
    {
        Header = header;
        Data = data;
        _rented = rented;
    }

    public BulkHeader Header { get; }
    public Memory<byte> Data { get; private set; }

    /// <summary>True when <see cref="Data"/> is a pooled buffer (the handler provided none), reused after dispose.</summary>
    public bool Pooled => Volatile.Read(ref _rented) is not null;

    public void Dispose()
    {
        Data = Memory<byte>.Empty;
        if (Interlocked.Exchange(ref _rented, null) is { } rented) ArrayPool<byte>.Shared.Return(rented);
    }
}

/// <summary>Thrown to a bulk sender when the transfer could not be delivered intact.</summary>
public sealed class BulkTransferException(string message, Exception? inner = null) : Exception(message, inner);

public abstract record AssociationEvent(RemoteAddress Peer);

/// <summary>A channel to <paramref name="Peer"/> passed the handshake.</summary>
public sealed record Associated(RemoteAddress Peer, ulong Uid, ChannelKind Channel, bool Inbound) : AssociationEvent(Peer);

public sealed record Disassociated(RemoteAddress Peer, ChannelKind Channel, bool Inbound, string Reason) : AssociationEvent(Peer);

/// <summary>An incarnation of <paramref name="Peer"/> is gone for good (restarted with a new uid).</summary>
public sealed record Quarantined(RemoteAddress Peer, ulong Uid, string Reason) : AssociationEvent(Peer);
