namespace ActorCodistill.Cluster.Persistence;

/// <summary>
/// Rebuilds an event-sourced entity's state: the newest snapshot that verifies, then every later
/// event in order. Pure with respect to actors: the event-sourced actor base calls it from its
/// recovery phase and feeds its own apply functions.
/// </summary>
public static class EventSourcedRecovery
{
    /// <summary>
    /// Applies the newest good snapshot (if any), then the events after it, and returns the
    /// sequence number the entity is now at; its next write must use it as <c>expectedSequenceNr</c>.
    /// </summary>
    /// <exception cref="PersistenceRecoveryException">
    /// Events are missing between the snapshot used and the journal's highest sequence number
    /// (deleted after a snapshot that has since turned out corrupt, or lost). Recovering anyway
    /// would silently build a wrong state.
    /// </exception>
    public static Task<long> RecoverAsync(
        IJournal journal,
        ISnapshotStore snapshots,
        string persistenceId,
        Func<Snapshot, CancellationToken, ValueTask> applySnapshot,
        Func<JournalEvent, CancellationToken, ValueTask> applyEvent,
        CancellationToken cancellationToken = default) =>
        RecoverCoreAsync(journal, snapshots, persistenceId, applySnapshot, applyEvent, continueOnCapturedContext: false, cancellationToken);

    /// <summary>
    /// As <see cref="RecoverAsync(IJournal, ISnapshotStore, string, Action{Snapshot}, Action{JournalEvent}, CancellationToken)"/>,
    /// but every apply callback runs on the caller's SynchronizationContext: the persistent actor
    /// recovers inside its own mailbox, so its handlers never run on a pool thread beside it.
    /// </summary>
    internal static Task<long> RecoverOnCapturedContextAsync(
        IJournal journal,
        ISnapshotStore snapshots,
        string persistenceId,
        Action<Snapshot> applySnapshot,
        Action<JournalEvent> applyEvent,
        CancellationToken cancellationToken = default) =>
        RecoverCoreAsync(journal, snapshots, persistenceId, Async(applySnapshot), Async(applyEvent), continueOnCapturedContext: true, cancellationToken);

    private static async Task<long> RecoverCoreAsync(
        IJournal journal,
        ISnapshotStore snapshots,
        string persistenceId,
        Func<Snapshot, CancellationToken, ValueTask> applySnapshot,
        Func<JournalEvent, CancellationToken, ValueTask> applyEvent,
        bool continueOnCapturedContext,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(journal);
        ArgumentNullException.ThrowIfNull(snapshots);
        ArgumentNullException.ThrowIfNull(applySnapshot);
        ArgumentNullException.ThrowIfNull(applyEvent);

        // Read the highest number first: events appended during recovery (there should be none,
        // the entity is the only writer) cannot then be mistaken for a gap.
        var highest = await journal.HighestSequenceNrAsync(persistenceId, cancellationToken).ConfigureAwait(continueOnCapturedContext);
        var snapshot = await snapshots.LoadNewestAsync(persistenceId, highest == 0 ? long.MaxValue : highest, cancellationToken).ConfigureAwait(continueOnCapturedContext);
        var current = 0L;
        if (snapshot is not null)
        {
            await applySnapshot(snapshot, cancellationToken).ConfigureAwait(continueOnCapturedContext);
            current = snapshot.SequenceNr;
        }

        await foreach (var e in journal.ReplayAsync(persistenceId, current + 1, highest, cancellationToken).ConfigureAwait(continueOnCapturedContext))
        {
            if (e.SequenceNr != current + 1)
                throw new PersistenceRecoveryException(persistenceId, Gap(current, e.SequenceNr, snapshot));
            await applyEvent(e, cancellationToken).ConfigureAwait(continueOnCapturedContext);
            current = e.SequenceNr;
        }
        if (current < highest)
            throw new PersistenceRecoveryException(persistenceId, Gap(current, highest + 1, snapshot));
        return current;
    }

    /// <summary>Synchronous-apply convenience overload.</summary>
    public static Task<long> RecoverAsync(
        IJournal journal,
        ISnapshotStore snapshots,
        string persistenceId,
        Action<Snapshot> applySnapshot,
        Action<JournalEvent> applyEvent,
        CancellationToken cancellationToken = default) =>
        RecoverAsync(journal, snapshots, persistenceId, Async(applySnapshot), Async(applyEvent), cancellationToken);

    private static Func<T, CancellationToken, ValueTask> Async<T>(Action<T> apply) =>
        (value, _) =>
        {
            apply(value);
            return ValueTask.CompletedTask;
        };

    private static string Gap(long have, long next, Snapshot? snapshot) =>
        $"events {have + 1}..{next - 1} are missing from the journal " +
        (snapshot is null ? "and no usable snapshot covers them" : $"after the newest usable snapshot (sequence number {snapshot.SequenceNr})") +
        "; restore them or a snapshot at or after " + (next - 1);
}
