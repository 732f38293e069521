namespace ActorCodistill.Cluster.Actors;

/// <summary>A handle to one incarnation of an actor. Tell is safe from any thread.</summary>
public interface IActorRef : IEquatable<IActorRef>
{
    ActorPath Path { get; }

    /// <summary>
    /// Enqueues <paramref name="message"/>. When <paramref name="sender"/> is null and the call is made while an
    /// actor processes a message, that actor is the sender (as in Akka).
    /// </summary>
    void Tell(object message, IActorRef? sender = null);
}

public interface IActorRefFactory
{
    IActorRef ActorOf(Props props, string? name = null);
}

public static class ActorRefs
{
    /// <summary>Explicitly no sender; replies go to dead letters.</summary>
    public static readonly IActorRef? NoSender = null;

    public static IActorRef Nobody => Actors.Nobody.Instance;
}

/// <summary>Equality by path and uid, so a new incarnation under the same name is a different ref.</summary>
public abstract class ActorRefBase : IActorRef
{
    public abstract ActorPath Path { get; }

    public abstract void Tell(object message, IActorRef? sender = null);

    public bool Equals(IActorRef? other) =>
        other is not null && Path.Uid == other.Path.Uid && Path.Equals(other.Path);

    public override bool Equals(object? obj) => obj is IActorRef r && Equals(r);

    public override int GetHashCode() => HashCode.Combine(Path, Path.Uid);

    public override string ToString() => $"[{Path.ToStringWithUid()}]";
}

/// <summary>Refs the runtime can also send system messages to.</summary>
internal abstract class InternalActorRef : ActorRefBase
{
    public abstract ActorSystem System { get; }

    public abstract void SendSystemMessage(SystemMessage message);
}

/// <summary>
/// The ref to no actor. Messages to it are recorded as dead letters of the sender's system when the sender is
/// known (Nobody itself belongs to no system), otherwise dropped.
/// </summary>
public sealed class Nobody : ActorRefBase
{
    public static readonly Nobody Instance = new();

    private static readonly ActorPath NobodyPath = ActorPath.Root(Address.Local("all-systems")).Child("Nobody");

    private Nobody()
    {
    }

    public override ActorPath Path => NobodyPath;

    public override void Tell(object message, IActorRef? sender = null)
    {
        var from = sender ?? ActorCell.Current?.SelfRef;
        if (from is InternalActorRef r)
        {
            r.System.RecordDeadLetter(new DeadLetter(message, from, this));
        }
    }
}

internal readonly record struct Envelope(object Message, IActorRef? Sender);
