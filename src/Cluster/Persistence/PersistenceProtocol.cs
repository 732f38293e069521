namespace ActorCodistill.Cluster.Persistence;

/// <summary>Identifies one snapshot of one persistent entity.</summary>
public sealed record SnapshotMetadata(string PersistenceId, long SequenceNr);

/// <summary>
/// Delivered to a <see cref="ReceivePersistentActor"/>'s <c>Recover&lt;SnapshotOffer&gt;</c> handler before any
/// event: the newest snapshot that verified, deserialised. Events after <see cref="SnapshotMetadata.SequenceNr"/> follow.
/// </summary>
public sealed record SnapshotOffer(SnapshotMetadata Metadata, object Snapshot);

/// <summary>Delivered to <c>Recover&lt;RecoveryCompleted&gt;</c> after the last replayed event, before the first command.</summary>
public sealed record RecoveryCompleted
{
    public static RecoveryCompleted Instance { get; } = new();

    private RecoveryCompleted()
    {
    }
}

/// <summary>Sent to the actor itself after <see cref="ReceivePersistentActor.SaveSnapshot"/> stored the snapshot.</summary>
public sealed record SaveSnapshotSuccess(SnapshotMetadata Metadata);

/// <summary>Sent to the actor itself when <see cref="ReceivePersistentActor.SaveSnapshot"/> failed; the journal still holds every event.</summary>
public sealed record SaveSnapshotFailure(SnapshotMetadata Metadata, Exception Cause);

/// <summary>Reply to <see cref="ReceivePersistentActor.DeleteMessages"/>: events up to <see cref="ToSequenceNr"/> are gone.</summary>
public sealed record DeleteMessagesSuccess(long ToSequenceNr);

public sealed record DeleteMessagesFailure(long ToSequenceNr, Exception Cause);

/// <summary>Reply to <see cref="ReceivePersistentActor.DeleteSnapshots"/>: snapshots up to <see cref="MaxSequenceNr"/> are gone.</summary>
public sealed record DeleteSnapshotsSuccess(long MaxSequenceNr);

public sealed record DeleteSnapshotsFailure(long MaxSequenceNr, Exception Cause);

/// <summary>Reply to <see cref="ReceivePersistentActor.DeleteSnapshot"/>.</summary>
public sealed record DeleteSnapshotSuccess(SnapshotMetadata Metadata);

public sealed record DeleteSnapshotFailure(SnapshotMetadata Metadata, Exception Cause);
