using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using ActorCodistill.Cluster.Actors;
using Google.Protobuf;

namespace ActorCodistill.Cluster.Remoting;

/// <summary>
/// System.Text.Json for small immutable records that cross nodes on the control channel (step plans, reports).
/// Enums travel as strings; <see cref="IActorRef"/> values (also inside lists and dictionaries) travel as path strings
/// with #uid through the call's <see cref="IRemoteRefContext"/>.
/// </summary>
internal static class JsonMessageSerializer
{
    // Options are expensive to build and cache their type metadata, so one read-only instance serves every type
    // registered without options of its own.
    private static readonly JsonSerializerOptions SharedDefault = Prepare(null);

    public static MessageSerializer Create(System.Type type, string manifest, JsonSerializerOptions? options)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentException.ThrowIfNullOrEmpty(manifest);
        var prepared = options is null ? SharedDefault : Prepare(options);
        // Builds the type's metadata now, so a type STJ cannot describe (clashing names, bad attributes) fails at
        // registration rather than at the first Tell.
        prepared.GetTypeInfo(type);
        return new MessageSerializer(type, manifest,
            (message, refs) =>
            {
                using var scope = ActorRefJsonConverter.Use(refs);
                return UnsafeByteOperations.UnsafeWrap(JsonSerializer.SerializeToUtf8Bytes(message, type, prepared));
            },
            (payload, refs) =>
            {
                using var scope = ActorRefJsonConverter.Use(refs);
                try
                {
                    return JsonSerializer.Deserialize(payload.Span, type, prepared)
                           ?? throw new RemoteSerializationException($"JSON payload for manifest '{manifest}' is null");
                }
                catch (Exception e) when (e is JsonException or NotSupportedException or FormatException or InvalidOperationException)
                {
                    throw new RemoteSerializationException($"garbled JSON payload for manifest '{manifest}' ({payload.Length} bytes): {e.Message}", e);
                }
            });
    }

    private static JsonSerializerOptions Prepare(JsonSerializerOptions? options)
    {
        var prepared = options is null ? new JsonSerializerOptions(JsonSerializerDefaults.General) : new JsonSerializerOptions(options);
        prepared.Converters.Add(new ActorRefJsonConverter());
        if (!prepared.Converters.Any(c => c is JsonStringEnumConverter)) prepared.Converters.Add(new JsonStringEnumConverter());
        prepared.TypeInfoResolver ??= new DefaultJsonTypeInfoResolver();
        prepared.MakeReadOnly();
        return prepared;
    }
}

/// <summary>
/// IActorRef as its path string. STJ converters cannot take per-call state, so the registry sets the call's
/// <see cref="IRemoteRefContext"/> in a thread-static around each (de)serialisation.
/// </summary>
internal sealed class ActorRefJsonConverter : JsonConverter<IActorRef>
{
    [ThreadStatic] private static IRemoteRefContext? t_current;

    public static Scope Use(IRemoteRefContext refs)
    {
        var previous = t_current;
        t_current = refs;
        return new Scope(previous);
    }

    private static IRemoteRefContext Current =>
        t_current ?? throw new InvalidOperationException("an IActorRef can only be (de)serialised through SerializerRegistry (no IRemoteRefContext is set)");

    // Nobody and refs without a host:port become "" and come back as Nobody; a null ref is JSON null (never seen here).
    public override IActorRef Read(ref Utf8JsonReader reader, System.Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String) throw new JsonException($"an actor ref must be a path string, found {reader.TokenType}");
        return Current.RefOf(reader.GetString()!) ?? ActorRefs.Nobody;
    }

    public override void Write(Utf8JsonWriter writer, IActorRef value, JsonSerializerOptions options) => writer.WriteStringValue(Current.PathOf(value));

    internal readonly struct Scope(IRemoteRefContext? previous) : IDisposable
    {
        public void Dispose() => t_current = previous;
    }
}
