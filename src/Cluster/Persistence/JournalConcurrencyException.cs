namespace ActorCodistill.Cluster.Persistence;

/// <summary>A journal write lost an optimistic-concurrency race: the stream moved on since the writer last read it.</summary>
public sealed class JournalConcurrencyException(string persistenceId, long expectedSequenceNr, long actualSequenceNr, Exception? inner = null)
    : Exception(
        $"journal write for persistence id '{persistenceId}' expected highest sequence number {expectedSequenceNr} " +
        $"but the journal holds {actualSequenceNr}; another writer appended first, nothing was written",
        inner)
{
    public string PersistenceId { get; } = persistenceId;
    public long ExpectedSequenceNr { get; } = expectedSequenceNr;
    public long ActualSequenceNr { get; } = actualSequenceNr;
}

/// <summary>Recovery could not rebuild a consistent state (for example events missing after the snapshot used).</summary>
public sealed class PersistenceRecoveryException(string persistenceId, string message, Exception? inner = null)
    : Exception($"recovery of persistence id '{persistenceId}' failed: {message}", inner)
{
    public string PersistenceId { get; } = persistenceId;
}

/// <summary>Bad persistence settings; <see cref="Key"/> names the configuration key to fix.</summary>
public sealed class PersistenceConfigurationException(string key, string message) : Exception(message)
{
    public string Key { get; } = key;
}
