namespace ActorCodistill.Cluster.Actors;

/// <summary>Runtime messages; a mailbox processes all of them before the next user message.</summary>
internal abstract record SystemMessage;

internal sealed record Create : SystemMessage
{
    public static readonly Create Instance = new();
}

internal sealed record Terminate : SystemMessage
{
    public static readonly Terminate Instance = new();
}

internal sealed record Recreate(Exception Cause) : SystemMessage;

internal sealed record Resume(Exception? CausedByFailure) : SystemMessage;

internal sealed record Watch(InternalActorRef Watchee, InternalActorRef Watcher) : SystemMessage;

internal sealed record Unwatch(InternalActorRef Watchee, InternalActorRef Watcher) : SystemMessage;

internal sealed record DeathWatchNotification(IActorRef Actor, bool ExistenceConfirmed, bool AddressTerminated)
    : SystemMessage;

/// <summary>A child failed; <see cref="Escalated"/> is true when it failed by escalating its own child's failure.</summary>
internal sealed record Failed(IActorRef Child, Exception Cause, long Uid, bool Escalated) : SystemMessage;

internal sealed record AsyncCompleted(Task Task, int Generation) : SystemMessage;

internal sealed record RunContinuation(SendOrPostCallback Callback, object? State) : SystemMessage;
