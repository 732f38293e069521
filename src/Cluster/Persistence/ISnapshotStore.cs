namespace ActorCodistill.Cluster.Persistence;

/// <summary>
/// Snapshots per persistence id, at most one per sequence number (saving again at the same
/// number replaces it). Each payload is stored with its SHA-256 so corruption is detected on load.
/// </summary>
public interface ISnapshotStore : IAsyncDisposable
{
    Task SaveAsync(string persistenceId, long sequenceNr, string manifest, byte[] payload, CancellationToken cancellationToken = default);

    /// <summary>
    /// The newest snapshot with sequence number &lt;= <paramref name="maxSequenceNr"/> whose checksum
    /// verifies, or null. Corrupt or unreadable snapshots are reported (see <see cref="SnapshotStoreOptions.OnCorruptSnapshot"/>)
    /// and skipped, so recovery falls back to an older one.
    /// </summary>
    Task<Snapshot?> LoadNewestAsync(string persistenceId, long maxSequenceNr = long.MaxValue, CancellationToken cancellationToken = default);

    Task DeleteAsync(string persistenceId, long sequenceNr, CancellationToken cancellationToken = default);

    Task DeleteUpToAsync(string persistenceId, long maxSequenceNr, CancellationToken cancellationToken = default);
}

public sealed record SnapshotStoreOptions
{
    /// <summary>After each save keep only this many newest snapshots of the id; null keeps all.
    /// Keep at least 2 if you want a fallback when the newest turns out corrupt.</summary>
    public int? KeepNewest { get; init; }

    /// <summary>Clock for snapshot timestamps.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Called for every snapshot skipped on load. Defaults to a line on stderr, since
    /// the project has no logging abstraction in src/Cluster yet.</summary>
    public Action<CorruptSnapshot> OnCorruptSnapshot { get; init; } = c => Console.Error.WriteLine("persistence: " + c);

    internal void Validate()
    {
        if (KeepNewest is < 1)
            throw new PersistenceConfigurationException(PersistenceSettings.SnapshotKeepKey,
                $"{PersistenceSettings.SnapshotKeepKey} = {KeepNewest} must be at least 1 (or unset to keep every snapshot)");
    }
}
