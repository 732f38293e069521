using System.Collections.Concurrent;
using System.Text.Json;

namespace ActorCodistill.Cluster.Persistence;

/// <summary>
/// The default persistence serializer: System.Text.Json payloads, manifest = a registered alias or the
/// CLR type as <c>Namespace.Type, Assembly</c> (no version, so a rebuilt assembly still reads old events).
/// </summary>
/// <remarks>
/// Register an alias for every type whose name may change (<c>Register&lt;JobStarted&gt;("job-started/v1")</c>);
/// type-name manifests tie the journal to the code's namespaces. With
/// <see cref="RequireRegisteredTypes"/> set, only aliases are written and read, so a manifest in the
/// database can never make the process load a type it did not opt in to.
/// </remarks>
public sealed class JsonPersistenceSerializer : IPersistenceSerializer
{
    private readonly ConcurrentDictionary<string, Type> _byAlias = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Type, string> _byType = new();
    private readonly ConcurrentDictionary<string, Type> _resolved = new(StringComparer.Ordinal);
    private readonly JsonSerializerOptions _options;

    public JsonPersistenceSerializer(JsonSerializerOptions? options = null)
    {
        _options = options ?? new JsonSerializerOptions(JsonSerializerDefaults.General);
    }

    /// <summary>Only registered aliases are accepted as manifests, both ways.</summary>
    public bool RequireRegisteredTypes { get; init; }

    /// <summary>Writes <typeparamref name="T"/> under <paramref name="alias"/> and reads the alias back as it.</summary>
    /// <exception cref="ArgumentException">The alias or the type is already registered differently.</exception>
    public JsonPersistenceSerializer Register<T>(string alias) => Register(typeof(T), alias);

    public JsonPersistenceSerializer Register(Type type, string alias)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentException.ThrowIfNullOrWhiteSpace(alias);
        if (alias.Contains(','))
            throw new ArgumentException($"alias '{alias}' must not contain ',' (reserved for type-name manifests)", nameof(alias));
        var existingType = _byAlias.GetOrAdd(alias, type);
        if (existingType != type)
            throw new ArgumentException($"alias '{alias}' is already registered for {existingType.FullName}", nameof(alias));
        var existingAlias = _byType.GetOrAdd(type, alias);
        if (existingAlias != alias)
            throw new ArgumentException($"{type.FullName} is already registered as '{existingAlias}'", nameof(alias));
        return this;
    }

    public SerializedPayload Serialize(object value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var type = value.GetType();
        string manifest;
        if (_byType.TryGetValue(type, out var alias))
            manifest = alias;
        else if (RequireRegisteredTypes)
            throw new PersistenceSerializationException(null,
                $"{type.FullName} has no registered alias and RequireRegisteredTypes is set; call Register<{type.Name}>(\"alias\")");
        else
            manifest = TypeManifest(type);
        try
        {
            return new SerializedPayload(manifest, JsonSerializer.SerializeToUtf8Bytes(value, type, _options));
        }
        catch (Exception ex) when (ex is NotSupportedException or JsonException or InvalidOperationException)
        {
            throw new PersistenceSerializationException(manifest, $"cannot serialise {type.FullName} as JSON: {ex.Message}", ex);
        }
    }

    public object Deserialize(string manifest, byte[] payload)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(payload);
        var type = Resolve(manifest) ?? throw new PersistenceSerializationException(manifest,
            RequireRegisteredTypes
                ? $"manifest '{manifest}' is not a registered alias"
                : $"manifest '{manifest}' is neither a registered alias nor a loadable type");
        try
        {
            return JsonSerializer.Deserialize(payload, type, _options)
                ?? throw new PersistenceSerializationException(manifest, $"payload of manifest '{manifest}' is JSON null");
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            throw new PersistenceSerializationException(manifest, $"cannot read the {payload.Length}-byte payload as {type.FullName}: {ex.Message}", ex);
        }
    }

    private Type? Resolve(string manifest)
    {
        if (_byAlias.TryGetValue(manifest, out var type))
            return type;
        if (RequireRegisteredTypes)
            return null;
        if (_resolved.TryGetValue(manifest, out type))
            return type;
        try
        {
            type = Type.GetType(manifest, throwOnError: false);
        }
        catch (Exception ex) when (ex is ArgumentException or IOException or BadImageFormatException or TypeLoadException)
        {
            // A malformed or unloadable name is an unknown manifest, reported by the caller.
            return null;
        }
        // Misses are not cached: the assembly may be loaded later.
        if (type is not null)
            _resolved[manifest] = type;
        return type;
    }

    private static string TypeManifest(Type type) => $"{type.FullName}, {type.Assembly.GetName().Name}";
}
