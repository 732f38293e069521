namespace ActorCodistill.Cluster.Actors;

public static class AskExtensions
{
    /// <summary>
    /// Sends <paramref name="message"/> with a temporary sender and returns the first reply as
    /// <typeparamref name="T"/>. A <see cref="Status.Failure"/> reply throws its cause; no reply within
    /// <paramref name="timeout"/> (on the system's TimeProvider) throws <see cref="AskTimeoutException"/>.
    /// </summary>
    public static async Task<T> Ask<T>(this IActorRef target, object message, TimeSpan timeout,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(message);
        if (target is not InternalActorRef internalRef)
        {
            throw new ArgumentException($"Cannot Ask {target}: not a runtime actor ref.", nameof(target));
        }
        if (timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "Ask timeout must be positive.");
        }
        var system = internalRef.System;
        var promise = new PromiseActorRef(system, system.NewTempPath());
        var timer = system.Scheduler.ScheduleOnce(timeout, () => promise.Fail(new AskTimeoutException(
            $"Ask timed out on [{target.Path}] after {timeout.TotalMilliseconds:0} ms " +
            $"(message {message.GetType().Name}).")));
        using var registration = cancellationToken.Register(() => promise.Cancel(cancellationToken));
        try
        {
            target.Tell(message, promise);
            var reply = await promise.Result.ConfigureAwait(false);
            if (reply is Status.Failure failure && typeof(T) != typeof(Status.Failure))
            {
                throw failure.Cause;
            }
            return reply is T typed
                ? typed
                : throw new InvalidCastException(
                    $"Ask to [{target.Path}] expected {typeof(T).Name} but the reply was {reply.GetType().Name}.");
        }
        finally
        {
            timer.Cancel();
        }
    }

    public static Task<T> Ask<T>(this IActorRef target, object message, CancellationToken cancellationToken = default)
    {
        var timeout = target is InternalActorRef r ? r.System.Settings.DefaultAskTimeout : TimeSpan.FromSeconds(30);
        return target.Ask<T>(message, timeout, cancellationToken);
    }

    /// <summary>Tells the message keeping the original sender.</summary>
    public static void Forward(this IActorRef target, object message, IActorContext context) =>
        target.Tell(message, context.Sender);
}
