namespace ActorCodistill.Cluster.Persistence;

/// <summary>
/// A snapshot of an entity's state as of <see cref="SequenceNr"/> (every event up to and
/// including it is folded in). Equality compares payload bytes, as <see cref="JournalEvent"/> does.
/// </summary>
public sealed record Snapshot(string PersistenceId, long SequenceNr, string Manifest, byte[] Payload, DateTimeOffset Timestamp)
{
    public bool Equals(Snapshot? other) =>
        other is not null
        && PersistenceId == other.PersistenceId
        && SequenceNr == other.SequenceNr
        && Manifest == other.Manifest
        && Timestamp == other.Timestamp
        && Payload.AsSpan().SequenceEqual(other.Payload);

    public override int GetHashCode() => HashCode.Combine(PersistenceId, SequenceNr, Manifest, Timestamp, Payload.Length);
}

/// <summary>A snapshot that <see cref="ISnapshotStore.LoadNewestAsync"/> skipped because it failed verification.</summary>
public sealed record CorruptSnapshot(string PersistenceId, long SequenceNr, string Reason)
{
    public override string ToString() =>
        $"snapshot of persistence id '{PersistenceId}' at sequence number {SequenceNr} is corrupt and was skipped: {Reason}";
}
