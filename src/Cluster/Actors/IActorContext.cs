namespace ActorCodistill.Cluster.Actors;

/// <summary>A behaviour: returns false when it does not handle the message.</summary>
public delegate bool Receive(object message);

/// <summary>What an actor may do while it processes a message. Use only from the actor's own processing.</summary>
public interface IActorContext : IActorRefFactory
{
    IActorRef Self { get; }

    /// <summary>The sender of the current message; dead letters when there is none.</summary>
    IActorRef Sender { get; }

    IActorRef Parent { get; }

    ActorSystem System { get; }

    Props Props { get; }

    IReadOnlyCollection<IActorRef> Children { get; }

    /// <summary>The child with that name, or <see cref="Nobody"/>.</summary>
    IActorRef Child(string name);

    /// <summary>Stops a child (after its own children) or, given Self, this actor.</summary>
    void Stop(IActorRef actor);

    /// <summary>A <see cref="Terminated"/> arrives when <paramref name="subject"/> stops (at once if it already has).</summary>
    IActorRef Watch(IActorRef subject);

    IActorRef Unwatch(IActorRef subject);

    /// <summary>Replaces the current behaviour; <paramref name="name"/> names the phase in logs.</summary>
    void Become(Receive receive, string? name = null);

    void BecomeStacked(Receive receive, string? name = null);

    void UnbecomeStacked();

    /// <summary>Name of the current behaviour (phase), for logging.</summary>
    string BehaviourName { get; }

    ILoggingAdapter Log { get; }

    /// <summary>
    /// After <paramref name="timeout"/> without any message, the actor receives <see cref="ReceiveTimeout"/>
    /// (again after each further idle period). Null turns it off. Cleared on restart.
    /// </summary>
    void SetReceiveTimeout(TimeSpan? timeout);
}
