namespace ActorCodistill.Cluster.Persistence;

/// <summary>Bytes plus the manifest that says how to turn them back into an object.</summary>
public readonly record struct SerializedPayload(string Manifest, byte[] Payload);

/// <summary>
/// Turns events and snapshots of persistent actors into journal payloads and back. The manifest is
/// stored beside each payload, so a serializer must be able to read every manifest it ever wrote.
/// </summary>
public interface IPersistenceSerializer
{
    SerializedPayload Serialize(object value);

    /// <exception cref="PersistenceSerializationException">Unknown manifest or unreadable payload.</exception>
    object Deserialize(string manifest, byte[] payload);
}

/// <summary>An event or snapshot could not be (de)serialised; <see cref="Manifest"/> names the stored type.</summary>
public sealed class PersistenceSerializationException(string? manifest, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public string? Manifest { get; } = manifest;
}
