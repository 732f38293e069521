namespace ActorCodistill.Cluster.Actors;

public class ActorException : Exception
{
    public ActorException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}

/// <summary>The actor's constructor or PreStart threw; the default decider stops such an actor.</summary>
public sealed class ActorInitializationException(string message, Exception? inner = null)
    : ActorException(message, inner);

public sealed class ActorKilledException(string message) : ActorException(message);

/// <summary>A watched actor terminated and the watcher did not handle <see cref="Terminated"/>.</summary>
public sealed class DeathPactException(IActorRef dead)
    : ActorException($"Watched actor {dead} terminated and the Terminated message was not handled.")
{
    public IActorRef DeadActor { get; } = dead;
}

public sealed class InvalidActorNameException(string message) : ActorException(message);

/// <summary>Thrown by Tell into a full bounded mailbox whose overflow policy is Fail.</summary>
public sealed class MailboxOverflowException(string message) : ActorException(message);

/// <summary>An Ask got no reply in time; the message names the target path.</summary>
public sealed class AskTimeoutException(string message) : TimeoutException(message);
