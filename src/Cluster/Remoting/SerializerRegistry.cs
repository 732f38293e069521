using System.Collections.Concurrent;
using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.Remoting.Protocol;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;

namespace ActorCodistill.Cluster.Remoting;

/// <summary>Turns actor refs inside messages into path strings and back; the remoting layer implements it.</summary>
public interface IRemoteRefContext
{
    /// <summary>The full path (with #uid) a peer can send to; empty for no ref.</summary>
    string PathOf(IActorRef? actorRef);

    /// <summary>A ref for a path a peer sent; null for an empty path.</summary>
    IActorRef? RefOf(string path);
}

/// <summary>One message type and how it crosses the wire under its manifest.</summary>
public sealed record MessageSerializer(
    System.Type Type,
    string Manifest,
    Func<object, IRemoteRefContext, ByteString> ToBinary,
    Func<ByteString, IRemoteRefContext, object> FromBinary);

/// <summary>
/// Message type &lt;-&gt; manifest. Protobuf messages use their descriptor's full name as manifest; the system messages
/// (deathwatch, Terminated, Identify) are registered from the start. Lookup is by exact type: a subtype is not sent
/// under its base's manifest, so nothing reaches a peer as a type it was not meant to be. Bulk messages
/// (<see cref="AddBulk"/>) have a table of their own; a type or manifest lives in one table only.
/// </summary>
public sealed class SerializerRegistry
{
    private readonly ConcurrentDictionary<System.Type, MessageSerializer> _byType = new();
    private readonly ConcurrentDictionary<string, MessageSerializer> _byManifest = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<System.Type, BulkMessageSerializer> _bulkByType = new();
    private readonly ConcurrentDictionary<string, BulkMessageSerializer> _bulkByManifest = new(StringComparer.Ordinal);
    // Registration is rare; one lock keeps the cross-table collision checks and the two writes atomic.
    private readonly Lock _registration = new();

    public SerializerRegistry()
    {
        AddProtobuf<RemoteWatch>();
        AddProtobuf<RemoteUnwatch>();
        AddProtobuf<RemoteDeathWatchNotification>();
        AddProtobuf<BarrierEnter>();
        AddProtobuf<BarrierDone>();
        AddProtobuf<StringValue>();
        AddProtobuf<Int64Value>();
        AddProtobuf<Int32Value>();
        AddProtobuf<BoolValue>();
        AddProtobuf<BytesValue>();
        AddProtobuf<Empty>();
        Add(new MessageSerializer(typeof(Terminated), TerminatedProto.Descriptor.FullName,
            static (m, refs) =>
            {
                var t = (Terminated)m;
                return new TerminatedProto
                {
                    Actor = refs.PathOf(t.ActorRef), ExistenceConfirmed = t.ExistenceConfirmed, AddressTerminated = t.AddressTerminated,
                }.ToByteString();
            },
            static (bytes, refs) =>
            {
                var p = TerminatedProto.Parser.ParseFrom(bytes);
                return new Terminated(refs.RefOf(p.Actor) ?? ActorRefs.Nobody, p.ExistenceConfirmed, p.AddressTerminated);
            }));
        Add(new MessageSerializer(typeof(Identify), IdentifyProto.Descriptor.FullName,
            static (m, _) => new IdentifyProto { MessageId = ((Identify)m).MessageId }.ToByteString(),
            static (bytes, _) => new Identify(IdentifyProto.Parser.ParseFrom(bytes).MessageId)));
        Add(new MessageSerializer(typeof(ActorIdentity), ActorIdentityProto.Descriptor.FullName,
            static (m, refs) =>
            {
                var a = (ActorIdentity)m;
                return new ActorIdentityProto { MessageId = a.MessageId, Subject = refs.PathOf(a.Subject) }.ToByteString();
            },
            static (bytes, refs) =>
            {
                var p = ActorIdentityProto.Parser.ParseFrom(bytes);
                return new ActorIdentity(p.MessageId, refs.RefOf(p.Subject));
            }));
    }

    public IReadOnlyCollection<MessageSerializer> Serializers => _byManifest.Values.ToArray();

    public IReadOnlyCollection<BulkMessageSerializer> BulkSerializers => _bulkByManifest.Values.ToArray();

    /// <summary>Registers a protobuf message under its descriptor full name.</summary>
    public SerializerRegistry AddProtobuf<T>()
        where T : IMessage<T>, new() => AddProtobuf(new T().Descriptor);

    public SerializerRegistry AddProtobuf(MessageDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var parser = descriptor.Parser;
        Add(new MessageSerializer(descriptor.ClrType, descriptor.FullName,
            static (m, _) => ((IMessage)m).ToByteString(),
            (bytes, _) => parser.ParseFrom(bytes)));
        return this;
    }

    /// <summary>Registers a serializer; a manifest or type already taken by another entry is refused.</summary>
    public SerializerRegistry Add(MessageSerializer serializer)
    {
        ArgumentNullException.ThrowIfNull(serializer);
        lock (_registration)
        {
            if (_byManifest.TryGetValue(serializer.Manifest, out var existing) && existing.Type != serializer.Type)
                throw new ArgumentException($"manifest '{serializer.Manifest}' is already registered for {existing.Type.FullName}");
            if (_bulkByManifest.TryGetValue(serializer.Manifest, out var bulk))
                throw new ArgumentException($"manifest '{serializer.Manifest}' is already registered as a bulk message for {bulk.Type.FullName}");
            if (_bulkByType.ContainsKey(serializer.Type))
                throw new ArgumentException($"{serializer.Type.FullName} is already registered as a bulk message");
            _byManifest[serializer.Manifest] = serializer;
            _byType[serializer.Type] = serializer;
        }
        return this;
    }

    /// <summary>
    /// Registers a message type whose payload travels on the bulk channel (tensors, checkpoints). A manifest or type
    /// already taken (as a bulk or a control message of another type) is refused.
    /// </summary>
    public SerializerRegistry AddBulk(BulkMessageSerializer serializer)
    {
        ArgumentNullException.ThrowIfNull(serializer);
        ArgumentNullException.ThrowIfNull(serializer.Type);
        ArgumentException.ThrowIfNullOrEmpty(serializer.Manifest);
        ArgumentNullException.ThrowIfNull(serializer.ToBulk);
        ArgumentNullException.ThrowIfNull(serializer.FromBulk);
        lock (_registration)
        {
            if (_bulkByManifest.TryGetValue(serializer.Manifest, out var existing) && existing.Type != serializer.Type)
                throw new ArgumentException($"bulk manifest '{serializer.Manifest}' is already registered for {existing.Type.FullName}");
            if (_byManifest.TryGetValue(serializer.Manifest, out var control))
                throw new ArgumentException($"manifest '{serializer.Manifest}' is already registered as a control message for {control.Type.FullName}");
            if (_byType.ContainsKey(serializer.Type))
                throw new ArgumentException($"{serializer.Type.FullName} is already registered as a control message");
            if (_bulkByType.TryGetValue(serializer.Type, out var previous) && previous.Manifest != serializer.Manifest)
                throw new ArgumentException($"{serializer.Type.FullName} is already registered as bulk manifest '{previous.Manifest}'");
            _bulkByManifest[serializer.Manifest] = serializer;
            _bulkByType[serializer.Type] = serializer;
        }
        return this;
    }

    /// <summary>
    /// Registers a small immutable record as System.Text.Json on the control channel: positional records, nested
    /// records, IReadOnlyList / IReadOnlyDictionary, nullable fields, enums (as strings), and IActorRef fields (as
    /// paths, resolved on the receiving node so replies work). One options instance per registration is reused.
    /// </summary>
    public SerializerRegistry AddJson<T>(string manifest, System.Text.Json.JsonSerializerOptions? options = null) =>
        AddJson(typeof(T), manifest, options);

    public SerializerRegistry AddJson(System.Type type, string manifest, System.Text.Json.JsonSerializerOptions? options = null) =>
        Add(JsonMessageSerializer.Create(type, manifest, options));

    /// <summary>True for types that can cross the wire, on the control or the bulk channel.</summary>
    public bool CanSerialize(System.Type type) => _byType.ContainsKey(type) || _bulkByType.ContainsKey(type);

    /// <summary>True for types registered with <see cref="AddBulk"/>: their Tell goes to the bulk channel.</summary>
    public bool IsBulk(System.Type type) => _bulkByType.ContainsKey(type);

    internal bool TryGetBulk(System.Type type, out BulkMessageSerializer serializer) => _bulkByType.TryGetValue(type, out serializer!);

    internal bool TryGetBulk(string manifest, out BulkMessageSerializer serializer) => _bulkByManifest.TryGetValue(manifest, out serializer!);

    /// <summary>Manifest and payload; throws <see cref="NotSerializableMessageException"/> naming the type.</summary>
    public (string Manifest, ByteString Payload) Serialize(object message, IRemoteRefContext refs, string recipient)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!_byType.TryGetValue(message.GetType(), out var serializer)) throw new NotSerializableMessageException(message.GetType(), recipient);
        return (serializer.Manifest, serializer.ToBinary(message, refs));
    }

    /// <summary>The message a peer sent; <see cref="RemoteSerializationException"/> for an unknown manifest or garbled bytes.</summary>
    public object Deserialize(string manifest, ByteString payload, IRemoteRefContext refs)
    {
        if (!_byManifest.TryGetValue(manifest, out var serializer))
            throw new RemoteSerializationException($"unknown manifest '{manifest}'");
        try
        {
            return serializer.FromBinary(payload, refs);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or FormatException or ArgumentException or InvalidCastException)
        {
            throw new RemoteSerializationException($"garbled payload for manifest '{manifest}' ({payload.Length} bytes): {e.Message}", e);
        }
    }
}
