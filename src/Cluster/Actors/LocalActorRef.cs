namespace ActorCodistill.Cluster.Actors;

internal sealed class LocalActorRef(ActorCell cell, ActorPath path) : InternalActorRef
{
    internal ActorCell Cell { get; } = cell;

    public override ActorPath Path { get; } = path;

    public override ActorSystem System => Cell.System;

    public override void Tell(object message, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        Cell.Mailbox.EnqueueUser(new Envelope(message, sender ?? ActorCell.Current?.SelfRef));
    }

    public override void SendSystemMessage(SystemMessage message) => Cell.Mailbox.EnqueueSystem(message);
}

/// <summary>Everything told to it becomes a counted, published <see cref="DeadLetter"/>.</summary>
internal sealed class DeadLetterActorRef(ActorSystem system, ActorPath path) : InternalActorRef
{
    public override ActorPath Path { get; } = path;

    public override ActorSystem System { get; } = system;

    public override void Tell(object message, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        System.RecordDeadLetter(new DeadLetter(message, sender ?? ActorCell.Current?.SelfRef, this));
    }

    public override void SendSystemMessage(SystemMessage message)
    {
        if (message is Watch w)
        {
            w.Watcher.SendSystemMessage(new DeathWatchNotification(this, ExistenceConfirmed: false, AddressTerminated: false));
        }
    }
}

/// <summary>
/// Stands in for the parent of the guardians: it has no mailbox and handles what reaches it at once, on the
/// caller's thread. A guardian failure is logged and stops that guardian.
/// </summary>
internal sealed class RootGuardianRef(ActorSystem system, ActorPath path) : InternalActorRef
{
    public override ActorPath Path { get; } = path;

    public override ActorSystem System { get; } = system;

    public override void Tell(object message, IActorRef? sender = null) =>
        System.RecordDeadLetter(new DeadLetter(message, sender, this));

    public override void SendSystemMessage(SystemMessage message)
    {
        if (message is Failed f && f.Child is InternalActorRef guardian)
        {
            System.Log.Error(f.Cause, $"Guardian {f.Child.Path} failed; stopping it.");
            guardian.SendSystemMessage(Terminate.Instance);
        }
    }
}

/// <summary>The temporary sender of an Ask: the first message completes the ask, later ones are dead letters.</summary>
internal sealed class PromiseActorRef(ActorSystem system, ActorPath path) : InternalActorRef
{
    private readonly TaskCompletionSource<object> _promise = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override ActorPath Path { get; } = path;

    public override ActorSystem System { get; } = system;

    public Task<object> Result => _promise.Task;

    public override void Tell(object message, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!_promise.TrySetResult(message))
        {
            System.RecordDeadLetter(new DeadLetter(message, sender, this));
        }
    }

    public override void SendSystemMessage(SystemMessage message)
    {
    }

    public void Fail(Exception error) => _promise.TrySetException(error);

    public void Cancel(CancellationToken token) => _promise.TrySetCanceled(token);
}
