using ActorCodistill.Cluster.Actors;

namespace ActorCodistill.Cluster.Persistence;

public abstract partial class ReceivePersistentActor
{
    private readonly List<Envelope> _deferred = [];

    /// <summary>
    /// Recovery failed: the journal or snapshot store could not be read, a stored manifest is unknown to the
    /// serializer, events are missing, or a Recover handler threw (<paramref name="event"/> is the event it was
    /// given, if any). The default logs and stops the actor, since running on a partial state would fork history;
    /// a parent that watches it can create it again later.
    /// </summary>
    protected virtual void OnRecoveryFailure(Exception cause, object? @event)
    {
        Log.Error(cause, $"recovery of persistence id '{PersistenceId}' failed" +
                         (@event is null ? "" : $" while applying {@event.GetType().Name} at sequence number {LastSequenceNr}") +
                         "; stopping the actor");
        Context.Stop(Self);
    }

    private void BeginRecovery() => Cell.RunTask(RecoverAsync);

    private async Task RecoverAsync()
    {
        object? current = null;
        try
        {
            var id = PersistenceId;
            var recovered = await EventSourcedRecovery.RecoverOnCapturedContextAsync(Journal, SnapshotStore, id,
                snapshot =>
                {
                    StopIfReplaced();
                    var state = Read(id, "snapshot", snapshot.SequenceNr, snapshot.Manifest, snapshot.Payload);
                    LastSequenceNr = snapshot.SequenceNr;
                    var offer = new SnapshotOffer(new SnapshotMetadata(id, snapshot.SequenceNr), state);
                    current = offer;
                    if (!DispatchRecover(offer))
                        throw new PersistenceRecoveryException(id,
                            $"a snapshot at sequence number {snapshot.SequenceNr} was offered but {GetType().Name} has no Recover<SnapshotOffer> handler");
                },
                journalEvent =>
                {
                    StopIfReplaced();
                    current = null;
                    var e = Read(id, "event", journalEvent.SequenceNr, journalEvent.Manifest, journalEvent.Payload);
                    LastSequenceNr = journalEvent.SequenceNr;
                    current = e;
                    if (!DispatchRecover(e))
                        throw new PersistenceRecoveryException(id,
                            $"{GetType().Name} has no Recover handler for {e.GetType().Name} (event at sequence number {journalEvent.SequenceNr})");
                }).ConfigureAwait(true);
            if (!IsCurrentIncarnation)
                return;
            current = null;
            LastSequenceNr = recovered;
            IsRecovering = false;
            DispatchRecover(RecoveryCompleted.Instance);
        }
        catch (Exception e)
        {
            if (IsCurrentIncarnation)
                OnRecoveryFailure(e, current);
            return;
        }
        if (_deferred.Count > 0)
        {
            Cell.PrependFront(_deferred.ToArray());
            _deferred.Clear();
        }
    }

    // A restart replaced this instance mid-recovery; the new one recovers on its own.
    private void StopIfReplaced()
    {
        if (!IsCurrentIncarnation)
            throw new OperationCanceledException($"recovery of '{PersistenceId}' abandoned: the actor restarted or stopped");
    }

    private object Read(string id, string what, long sequenceNr, string manifest, byte[] payload)
    {
        try
        {
            return _persistence.Serializer.Deserialize(manifest, payload);
        }
        catch (Exception ex)
        {
            throw new PersistenceRecoveryException(id,
                $"the {what} at sequence number {sequenceNr} (manifest '{manifest}') cannot be deserialised: {ex.Message}", ex);
        }
    }

    private bool DispatchRecover(object message)
    {
        foreach (var handler in _recoverHandlers)
        {
            if (handler(message))
                return true;
        }
        return false;
    }
}
