using System.Collections.Concurrent;
using ActorCodistill.Cluster.Remote;

namespace ActorCodistill.Cluster.DataPlane;

/// <summary>
/// How one message type that carries tensors crosses nodes on the data plane: small metadata (in the transfer's
/// header) plus raw bytes (the chunks), with no per-element work.
/// </summary>
/// <param name="ToBulk">Called at Tell time on the caller's thread; the payload must stay unchanged until sent.</param>
/// <param name="FromBulk">
/// Called on the receiving node with (metadata, payload); must copy what it keeps out of the payload, whose buffer is
/// pooled and reused once it returns. It reads bytes a peer sent: whatever it throws is reported as garbled input.
/// </param>
public sealed record BulkCodec(
    Type Type,
    string Manifest,
    Func<object, BulkMessageParts> ToBulk,
    Func<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>, object> FromBulk)
{
    /// <summary>
    /// Optional: memory of exactly the given length (bytes), allocated for the message to keep, that a transfer is
    /// received straight into (metadata, length). With it, <see cref="FromBulk"/> is always handed that memory and may
    /// keep it without a copy: one pass over the tensor less on the receiving node. Called with the metadata and length
    /// a peer announced (length bounded by the transport's maximum-bulk-transfer-size); what it throws drops the
    /// transfer as garbled.
    /// </summary>
    public Func<ReadOnlyMemory<byte>, int, Memory<byte>>? ReceiveInto { get; init; }
}

/// <summary>
/// The message types the data plane carries, by exact type and by manifest (a stable name, not a CLR type name, so a
/// renamed class does not break a mixed-version cluster). A peer can only make this node build the types registered
/// here: a transfer under any other manifest is dropped with a log line.
/// </summary>
public sealed class BulkCodecs
{
    private readonly ConcurrentDictionary<Type, BulkCodec> _byType = new();
    private readonly ConcurrentDictionary<string, BulkCodec> _byManifest = new(StringComparer.Ordinal);
    private readonly Lock _registration = new();

    /// <summary>Registers a codec; a manifest or type already taken by another codec is refused.</summary>
    public BulkCodecs Add(BulkCodec codec)
    {
        ArgumentNullException.ThrowIfNull(codec);
        ArgumentNullException.ThrowIfNull(codec.Type);
        ArgumentException.ThrowIfNullOrEmpty(codec.Manifest);
        ArgumentNullException.ThrowIfNull(codec.ToBulk);
        ArgumentNullException.ThrowIfNull(codec.FromBulk);
        lock (_registration)
        {
            if (_byManifest.TryGetValue(codec.Manifest, out var existing) && existing.Type != codec.Type)
                throw new ArgumentException($"bulk manifest '{codec.Manifest}' is already registered for {existing.Type.FullName}");
            if (_byType.TryGetValue(codec.Type, out var previous) && previous.Manifest != codec.Manifest)
                throw new ArgumentException($"{codec.Type.FullName} is already registered as bulk manifest '{previous.Manifest}'");
            _byManifest[codec.Manifest] = codec;
            _byType[codec.Type] = codec;
        }
        return this;
    }

    /// <summary>True when <paramref name="type"/> travels on the data plane.</summary>
    public bool IsBulk(Type type) => _byType.ContainsKey(type);

    public bool TryGet(Type type, out BulkCodec codec) => _byType.TryGetValue(type, out codec!);

    public bool TryGet(string manifest, out BulkCodec codec) => _byManifest.TryGetValue(manifest, out codec!);
}
