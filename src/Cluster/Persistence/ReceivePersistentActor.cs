using System.Runtime.CompilerServices;
using ActorCodistill.Cluster.Actors;

namespace ActorCodistill.Cluster.Persistence;

/// <summary>
/// An event-sourced actor with Akka's ReceivePersistentActor shape. It derives from <see cref="ActorBase"/>, not
/// <see cref="ReceiveActor"/>, because it must see every message first: recovery runs before any command, and
/// events persisted by a command are written after its handler returns.
/// </summary>
/// <remarks>
/// Phases (written down once):
/// <code>
/// Recovering --(snapshot offer, events, RecoveryCompleted)--> Commands
/// Commands   --(a handler called Persist/PersistAll)--> Writing --(journal write done, persist handlers run)--> Commands
/// Recovering/Writing --(OnRecoveryFailure/OnPersistFailure default)--> stopped
/// </code>
/// While Recovering or Writing no command is processed: they wait in the mailbox in arrival order, which is Akka's
/// "stash until the write and its handlers are done". Journal I/O is awaited, never blocked on; its continuations
/// run inside the actor's mailbox, so handlers never race the actor's other work.
/// Register handlers in the constructor (<see cref="Recover{T}"/>, <see cref="Command{T}"/>); switch command
/// phases with this class's <see cref="Become"/>, not <c>Context.Become</c>, which would bypass persistence.
/// A restart (a handler threw) builds a new instance, which recovers again from the journal.
/// </remarks>
public abstract partial class ReceivePersistentActor : ActorBase
{
    // The live incarnation per cell: an async write of an instance that has since been replaced by a restart
    // must not run its handlers (the runtime still delivers its continuations to the cell).
    private static readonly ConditionalWeakTable<ActorCell, ReceivePersistentActor> Incarnations = new();

    private readonly PersistenceExtension _persistence;
    private readonly List<Func<object, bool>> _recoverHandlers = [];
    private List<Func<object, bool>> _commands = [];
    private List<Func<object, bool>>? _building;
    private bool _constructed;

    protected ReceivePersistentActor()
    {
        _persistence = PersistenceExtension.Get(Context.System);
    }

    /// <summary>The stream this actor's events are stored under; must not change over the actor's life.</summary>
    public abstract string PersistenceId { get; }

    /// <summary>Sequence number of the last event recovered or persisted (0 before the first).</summary>
    public long LastSequenceNr { get; private set; }

    /// <summary>True until RecoveryCompleted has been delivered.</summary>
    public bool IsRecovering { get; private set; } = true;

    protected IJournal Journal => _persistence.Journal;

    protected ISnapshotStore SnapshotStore => _persistence.SnapshotStore;

    /// <summary>
    /// Applies an event (or <see cref="SnapshotOffer"/>, or <see cref="RecoveryCompleted"/>) during recovery.
    /// Constructor only. A replayed event or snapshot offer that no handler takes is a recovery failure, since
    /// ignoring it would silently build a different state than the one that was persisted.
    /// </summary>
    protected void Recover<T>(Action<T> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (_constructed)
            throw new InvalidOperationException($"{GetType().Name}: Recover<T> may only be called in the constructor.");
        _recoverHandlers.Add(m =>
        {
            if (m is not T t)
                return false;
            handler(t);
            return true;
        });
    }

    /// <summary>Handles a command once recovery is done; constructor or inside <see cref="Become"/>. First match wins.</summary>
    protected void Command<T>(Action<T> handler, Predicate<T>? shouldHandle = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        CommandTarget().Add(m =>
        {
            if (m is not T t || (shouldHandle is not null && !shouldHandle(t)))
                return false;
            handler(t);
            return true;
        });
    }

    protected void CommandAny(Action<object> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        CommandTarget().Add(m =>
        {
            handler(m);
            return true;
        });
    }

    /// <summary>Replaces the command handlers with those <paramref name="configure"/> registers (recovery handlers stay).</summary>
    protected void Become(Action configure, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var set = new List<Func<object, bool>>();
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
        _commands = set;
        if (Log.IsEnabled(LogLevel.Debug))
            Log.Debug($"commands -> {name ?? configure.Method.Name}");
    }

    private List<Func<object, bool>> CommandTarget() =>
        _building ?? (_constructed
            ? throw new InvalidOperationException($"{GetType().Name}: Command<T> may only be called in the constructor or inside Become(...).")
            : _commands);

    internal override void OnConstructed()
    {
        _constructed = true;
        Incarnations.AddOrUpdate(Cell, this);
        // In front of anything already queued: the first message this incarnation processes starts recovery,
        // after PreStart, and no command can get in before it.
        Cell.PrependFront([new Envelope(new StartRecovery(this), null)]);
    }

    protected sealed override bool Receive(object message)
    {
        if (message is StartRecovery start)
        {
            if (ReferenceEquals(start.Actor, this))
                BeginRecovery();
            return true;
        }
        if (IsRecovering)
        {
            // Only reachable when something was put in front of the recovery start (a restarted actor that
            // implements IWithStash gets its stash back first): keep it for after recovery.
            _deferred.Add(Cell.CurrentEnvelope);
            return true;
        }
        var handled = false;
        _inCommand = true;
        try
        {
            foreach (var handler in _commands)
            {
                if (handler(message))
                {
                    handled = true;
                    break;
                }
            }
        }
        catch
        {
            // The command failed: nothing it asked to persist is written (the actor restarts and recovers).
            _pending.Clear();
            throw;
        }
        finally
        {
            _inCommand = false;
        }
        if (_pending.Count > 0)
            Cell.RunTask(WriteLoopAsync);
        return handled;
    }

    private bool IsCurrentIncarnation =>
        !Cell.IsTerminated && Incarnations.TryGetValue(Cell, out var current) && ReferenceEquals(current, this);

    private sealed record StartRecovery(ReceivePersistentActor Actor);
}
