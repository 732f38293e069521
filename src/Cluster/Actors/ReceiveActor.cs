namespace ActorCodistill.Cluster.Actors;

/// <summary>
/// Handlers registered by type, first match wins. Register in the constructor for the initial behaviour, or
/// inside <see cref="Become(Action, string?)"/> for a named phase.
/// </summary>
public abstract class ReceiveActor : ActorBase
{
    private readonly HandlerSet _initial = new();
    private HandlerSet? _building;
    private bool _constructed;

    protected sealed override bool Receive(object message) => _initial.Handle(message);

    internal override void OnConstructed() => _constructed = true;

    protected void Receive<T>(Action<T> handler, Predicate<T>? shouldHandle = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Target().Add(m =>
        {
            if (m is T t && (shouldHandle is null || shouldHandle(t)))
            {
                handler(t);
                return true;
            }
            return false;
        });
    }

    /// <summary>The actor processes no other user message until the returned task completes.</summary>
    protected void ReceiveAsync<T>(Func<T, Task> handler, Predicate<T>? shouldHandle = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var cell = Cell;
        Target().Add(m =>
        {
            if (m is T t && (shouldHandle is null || shouldHandle(t)))
            {
                cell.RunTask(() => handler(t));
                return true;
            }
            return false;
        });
    }

    protected void ReceiveAny(Action<object> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Target().Add(m =>
        {
            handler(m);
            return true;
        });
    }

    protected void ReceiveAnyAsync(Func<object, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var cell = Cell;
        Target().Add(m =>
        {
            cell.RunTask(() => handler(m));
            return true;
        });
    }

    /// <summary>Switches to the handlers <paramref name="configure"/> registers; the name (default: the method's) is logged.</summary>
    protected void Become(Action configure, string? name = null) =>
        Context.Become(Build(configure).Handle, name ?? configure.Method.Name);

    protected void BecomeStacked(Action configure, string? name = null) =>
        Context.BecomeStacked(Build(configure).Handle, name ?? configure.Method.Name);

    protected void UnbecomeStacked() => Context.UnbecomeStacked();

    private HandlerSet Build(Action configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var set = new HandlerSet();
        var previous = _building;
        _building = set;
        try
        {
            configure();
        }
        finally
        {
            _building = previous;
        }
        return set;
    }

    private HandlerSet Target() =>
        _building ?? (_constructed
            ? throw new InvalidOperationException(
                $"{GetType().Name}: Receive<T> may only be called in the constructor or inside Become(...).")
            : _initial);

    private sealed class HandlerSet
    {
        private Func<object, bool>[] _handlers = [];

        public void Add(Func<object, bool> handler) => _handlers = [.. _handlers, handler];

        public bool Handle(object message)
        {
            foreach (var handler in _handlers)
            {
                if (handler(message))
                {
                    return true;
                }
            }
            return false;
        }
    }
}
