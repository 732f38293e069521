namespace ActorCodistill.Cluster.Actors;

/// <summary>Delivered to watchers when a watched actor has stopped.</summary>
public sealed record Terminated(IActorRef ActorRef, bool ExistenceConfirmed, bool AddressTerminated);

/// <summary>Stops the actor after the messages enqueued before it.</summary>
public sealed record PoisonPill
{
    public static PoisonPill Instance { get; } = new();

    private PoisonPill()
    {
    }
}

/// <summary>Makes the actor fail with <see cref="ActorKilledException"/> (default directive: Stop).</summary>
public sealed record Kill
{
    public static Kill Instance { get; } = new();

    private Kill()
    {
    }
}

public static class Status
{
    public sealed record Success(object? Value);

    /// <summary>A reply that makes an Ask fail with <see cref="Cause"/>.</summary>
    public sealed record Failure(Exception Cause);
}

/// <summary>A message that could not be delivered; published on the event stream and counted.</summary>
public sealed record DeadLetter(object Message, IActorRef? Sender, IActorRef Recipient);

/// <summary>A message no behaviour of the recipient handled; published on the event stream.</summary>
public sealed record UnhandledMessage(object Message, IActorRef? Sender, IActorRef Recipient);

/// <summary>Sent to an actor that received nothing for the duration set with SetReceiveTimeout; repeats while idle.</summary>
public sealed record ReceiveTimeout
{
    public static ReceiveTimeout Instance { get; } = new();

    private ReceiveTimeout()
    {
    }
}
