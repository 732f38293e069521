namespace ActorCodistill.Cluster.Persistence;

/// <summary>
/// One persisted event of one persistent entity. <see cref="Payload"/> is opaque: the caller
/// serialises (protobuf, JSON) and names the format/type in <see cref="Manifest"/> so a later
/// version can pick the right deserialiser.
/// </summary>
/// <remarks>
/// Equality compares the payload bytes, not the array reference, so a replayed event equals the
/// event that was written (records would otherwise compare byte[] by reference).
/// </remarks>
public sealed record JournalEvent(long SequenceNr, string Manifest, byte[] Payload, DateTimeOffset Timestamp)
{
    public bool Equals(JournalEvent? other) =>
        other is not null
        && SequenceNr == other.SequenceNr
        && Manifest == other.Manifest
        && Timestamp == other.Timestamp
        && Payload.AsSpan().SequenceEqual(other.Payload);

    public override int GetHashCode() => HashCode.Combine(SequenceNr, Manifest, Timestamp, Payload.Length);
}
