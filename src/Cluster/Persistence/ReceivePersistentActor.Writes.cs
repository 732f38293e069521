using ActorCodistill.Cluster.Actors;

namespace ActorCodistill.Cluster.Persistence;

public abstract partial class ReceivePersistentActor
{
    private readonly List<PendingEvent> _pending = [];
    private bool _inCommand;
    private bool _inPersistHandler;

    /// <summary>
    /// Writes <paramref name="event"/> to the journal after the current command handler returns, then calls
    /// <paramref name="handler"/> with it (with <see cref="LastSequenceNr"/> already at its number). Until every
    /// handler of the write has run, no other command is processed. The event is serialised here, so a bad
    /// event fails the command that persisted it and nothing is written.
    /// </summary>
    protected void Persist<TEvent>(TEvent @event, Action<TEvent> handler)
        where TEvent : notnull
    {
        ArgumentNullException.ThrowIfNull(@event);
        ArgumentNullException.ThrowIfNull(handler);
        if (!_inCommand && !_inPersistHandler)
            throw new InvalidOperationException(
                $"{GetType().Name} ('{PersistenceId}'): Persist may only be called from a Command<T> handler or a persist handler" +
                (IsRecovering ? " (not during recovery)" : ""));
        _pending.Add(new PendingEvent(@event, _persistence.Serializer.Serialize(@event), e => handler((TEvent)e)));
    }

    /// <summary>Persists the events in one atomic journal write; handlers run in order, one per event.</summary>
    protected void PersistAll<TEvent>(IEnumerable<TEvent> events, Action<TEvent> handler)
        where TEvent : notnull
    {
        ArgumentNullException.ThrowIfNull(events);
        foreach (var e in events)
            Persist(e, handler);
    }

    /// <summary>
    /// The journal write of <paramref name="event"/> (sequence number <paramref name="sequenceNr"/>, the first of
    /// its batch) failed or lost a concurrency race (<see cref="JournalConcurrencyException"/>: another writer
    /// owns the id). Whether the journal holds the event is unknown after a timeout, so the default logs and stops
    /// the actor; a new incarnation recovers whatever was actually written. No handler of the batch has run.
    /// </summary>
    protected virtual void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        Log.Error(cause, $"persisting {@event.GetType().Name} at sequence number {sequenceNr} for persistence id " +
                         $"'{PersistenceId}' failed; stopping the actor");
        Context.Stop(Self);
    }

    private async Task WriteLoopAsync()
    {
        // Persist calls made by the handlers of one batch form the next batch (Akka's nested persist).
        while (_pending.Count > 0)
        {
            var batch = _pending.ToArray();
            _pending.Clear();
            var now = Context.System.TimeProvider.GetUtcNow();
            var events = new JournalEvent[batch.Length];
            for (var i = 0; i < batch.Length; i++)
                events[i] = new JournalEvent(LastSequenceNr + 1 + i, batch[i].Serialized.Manifest, batch[i].Serialized.Payload, now);
            try
            {
                // Continues inside the mailbox (the actor's SynchronizationContext), like every await here.
                await Journal.WriteAsync(PersistenceId, events, LastSequenceNr).ConfigureAwait(true);
            }
            catch (Exception e)
            {
                if (IsCurrentIncarnation)
                    OnPersistFailure(e, batch[0].Event, events[0].SequenceNr);
                return;
            }
            if (!IsCurrentIncarnation)
                return;
            _inPersistHandler = true;
            try
            {
                for (var i = 0; i < batch.Length; i++)
                {
                    LastSequenceNr = events[i].SequenceNr;
                    batch[i].Handler(batch[i].Event);
                }
            }
            catch
            {
                _pending.Clear();
                throw;
            }
            finally
            {
                _inPersistHandler = false;
            }
        }
    }

    /// <summary>
    /// Stores <paramref name="snapshot"/> as the state at <see cref="LastSequenceNr"/>, without holding up commands;
    /// the outcome arrives as <see cref="SaveSnapshotSuccess"/> or <see cref="SaveSnapshotFailure"/>. The state is
    /// serialised now, so later changes to it do not leak into the snapshot.
    /// </summary>
    protected void SaveSnapshot(object snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var serialized = _persistence.Serializer.Serialize(snapshot);
        var metadata = new SnapshotMetadata(PersistenceId, LastSequenceNr);
        RunInBackground(
            () => SnapshotStore.SaveAsync(metadata.PersistenceId, metadata.SequenceNr, serialized.Manifest, serialized.Payload),
            () => new SaveSnapshotSuccess(metadata),
            e => new SaveSnapshotFailure(metadata, e));
    }

    /// <summary>Deletes events up to <paramref name="toSequenceNr"/> (typically after a snapshot); replies <see cref="DeleteMessagesSuccess"/>/<see cref="DeleteMessagesFailure"/>.</summary>
    protected void DeleteMessages(long toSequenceNr)
    {
        if (toSequenceNr > LastSequenceNr)
        {
            Self.Tell(new DeleteMessagesFailure(toSequenceNr, new ArgumentOutOfRangeException(nameof(toSequenceNr),
                $"cannot delete events of '{PersistenceId}' up to {toSequenceNr}: the last one is {LastSequenceNr}")), Self);
            return;
        }
        var id = PersistenceId;
        RunInBackground(
            () => Journal.DeleteUpToAsync(id, toSequenceNr),
            () => new DeleteMessagesSuccess(toSequenceNr),
            e => new DeleteMessagesFailure(toSequenceNr, e));
    }

    /// <summary>Deletes snapshots up to <paramref name="maxSequenceNr"/>; replies <see cref="DeleteSnapshotsSuccess"/>/<see cref="DeleteSnapshotsFailure"/>.</summary>
    protected void DeleteSnapshots(long maxSequenceNr)
    {
        var id = PersistenceId;
        RunInBackground(
            () => SnapshotStore.DeleteUpToAsync(id, maxSequenceNr),
            () => new DeleteSnapshotsSuccess(maxSequenceNr),
            e => new DeleteSnapshotsFailure(maxSequenceNr, e));
    }

    /// <summary>Deletes the snapshot at <paramref name="sequenceNr"/>; replies <see cref="DeleteSnapshotSuccess"/>/<see cref="DeleteSnapshotFailure"/>.</summary>
    protected void DeleteSnapshot(long sequenceNr)
    {
        var metadata = new SnapshotMetadata(PersistenceId, sequenceNr);
        RunInBackground(
            () => SnapshotStore.DeleteAsync(metadata.PersistenceId, sequenceNr),
            () => new DeleteSnapshotSuccess(metadata),
            e => new DeleteSnapshotFailure(metadata, e));
    }

    // Snapshot and delete I/O runs beside command processing: its result comes back as a message to Self,
    // which is a dead letter if the actor has stopped meanwhile.
    private void RunInBackground(Func<Task> work, Func<object> success, Func<Exception, object> failure)
    {
        var self = Self;
        _ = Task.Run(async () =>
        {
            object reply;
            try
            {
                await work().ConfigureAwait(false);
                reply = success();
            }
            catch (Exception e)
            {
                reply = failure(e);
            }
            self.Tell(reply, self);
        });
    }

    private sealed record PendingEvent(object Event, SerializedPayload Serialized, Action<object> Handler);
}
