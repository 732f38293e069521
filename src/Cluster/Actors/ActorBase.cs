namespace ActorCodistill.Cluster.Actors;

/// <summary>
/// Base of every actor. Create actors only through <see cref="IActorRefFactory.ActorOf"/>; state is touched
/// only by the actor's own message processing, one message at a time.
/// </summary>
public abstract class ActorBase
{
    private readonly ActorCell _cell;

    protected ActorBase()
    {
        _cell = ActorCell.Constructing ?? throw new InvalidOperationException(
            $"{GetType().Name} must be created by ActorOf(Props), not with new.");
    }

    protected IActorContext Context => _cell;

    protected IActorRef Self => _cell.SelfRef;

    protected IActorRef Sender => _cell.Sender;

    protected ILoggingAdapter Log => _cell.Log;

    /// <summary>Timers owned by this actor; all are cancelled when it stops or restarts.</summary>
    protected ITimerScheduler Timers => _cell.Timers;

    /// <summary>Returns false for messages this actor does not handle.</summary>
    protected abstract bool Receive(object message);

    protected virtual void PreStart()
    {
    }

    protected virtual void PostStop()
    {
    }

    /// <summary>Default: stop all children, then PostStop.</summary>
    protected virtual void PreRestart(Exception reason, object? message)
    {
        foreach (var child in Context.Children)
        {
            Context.Stop(child);
        }
        PostStop();
    }

    /// <summary>Default: PreStart.</summary>
    protected virtual void PostRestart(Exception reason) => PreStart();

    /// <summary>How this actor supervises its children; null means the default strategy.</summary>
    protected virtual SupervisorStrategy? SupervisorStrategy() => null;

    /// <summary>An unhandled Terminated throws <see cref="DeathPactException"/>; anything else is published.</summary>
    protected virtual void Unhandled(object message)
    {
        if (message is Terminated t)
        {
            throw new DeathPactException(t.ActorRef);
        }
        _cell.System.EventStream.Publish(new UnhandledMessage(message, _cell.CurrentEnvelope.Sender, Self));
        if (Log.IsEnabled(LogLevel.Debug))
        {
            Log.Debug($"Unhandled {message.GetType().Name} in behaviour {Context.BehaviourName}.");
        }
    }

    internal bool ReceiveInitial(object message) => Receive(message);

    internal virtual void OnConstructed()
    {
    }

    internal void InvokeUnhandled(object message) => Unhandled(message);

    internal SupervisorStrategy? InvokeSupervisorStrategy() => SupervisorStrategy();

    internal void AroundPreStart() => PreStart();

    internal void AroundPostStop() => PostStop();

    internal void AroundPreRestart(Exception reason, object? message) => PreRestart(reason, message);

    internal void AroundPostRestart(Exception reason) => PostRestart(reason);

    internal ActorCell Cell => _cell;
}

/// <summary>An actor with a single OnReceive; call Unhandled for what it does not handle.</summary>
public abstract class UntypedActor : ActorBase
{
    protected sealed override bool Receive(object message)
    {
        OnReceive(message);
        return true;
    }

    protected abstract void OnReceive(object message);

    protected void Become(Action<object> receive, string? name = null) =>
        Context.Become(m =>
        {
            receive(m);
            return true;
        }, name ?? receive.Method.Name);
}
