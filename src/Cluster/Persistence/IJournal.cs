namespace ActorCodistill.Cluster.Persistence;

/// <summary>
/// Append-only event log, one stream per persistence id, sequence numbers 1, 2, 3, ... without gaps.
/// </summary>
public interface IJournal : IAsyncDisposable
{
    /// <summary>
    /// Appends <paramref name="events"/> atomically: all of them or none. They must be numbered
    /// <paramref name="expectedSequenceNr"/> + 1, + 2, ... consecutively. If the stream's highest
    /// sequence number is not <paramref name="expectedSequenceNr"/> (another writer got there first)
    /// nothing is written and <see cref="JournalConcurrencyException"/> is thrown.
    /// </summary>
    Task WriteAsync(string persistenceId, IReadOnlyList<JournalEvent> events, long expectedSequenceNr, CancellationToken cancellationToken = default);

    /// <summary>
    /// Events with <paramref name="fromSequenceNr"/> &lt;= sequence number &lt;= <paramref name="toSequenceNr"/>,
    /// in order. Read in pages, so no database transaction stays open while the caller works.
    /// </summary>
    IAsyncEnumerable<JournalEvent> ReplayAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, CancellationToken cancellationToken = default);

    /// <summary>Highest sequence number ever written for the id (0 if none); deleting events does not lower it.</summary>
    Task<long> HighestSequenceNrAsync(string persistenceId, CancellationToken cancellationToken = default);

    /// <summary>Deletes events with sequence number &lt;= <paramref name="toSequenceNr"/> (typically after a snapshot).</summary>
    Task DeleteUpToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken = default);
}

public static class JournalExtensions
{
    /// <summary>Replays into a callback; returns how many events were delivered.</summary>
    public static async Task<long> ReplayAsync(
        this IJournal journal, string persistenceId, long fromSequenceNr, long toSequenceNr,
        Action<JournalEvent> onEvent, CancellationToken cancellationToken = default)
    {
        long count = 0;
        await foreach (var e in journal.ReplayAsync(persistenceId, fromSequenceNr, toSequenceNr, cancellationToken).ConfigureAwait(false))
        {
            onEvent(e);
            count++;
        }
        return count;
    }

    /// <summary>Materialises a replay; for tests and small streams.</summary>
    public static async Task<IReadOnlyList<JournalEvent>> ReadAllAsync(
        this IJournal journal, string persistenceId, long fromSequenceNr = 1, long toSequenceNr = long.MaxValue,
        CancellationToken cancellationToken = default)
    {
        var list = new List<JournalEvent>();
        await foreach (var e in journal.ReplayAsync(persistenceId, fromSequenceNr, toSequenceNr, cancellationToken).ConfigureAwait(false))
            list.Add(e);
        return list;
    }
}
