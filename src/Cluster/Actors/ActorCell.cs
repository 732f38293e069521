namespace ActorCodistill.Cluster.Actors;

/// <summary>
/// The runtime side of one actor: mailbox, behaviour stack, children, watchers, timers and stash. All state
/// here is touched only from the actor's own mailbox run, except the children map (ActorOf is also called by
/// the system on guardians from other threads) which is locked.
/// </summary>
internal sealed partial class ActorCell : IActorContext
{
    [ThreadStatic]
    private static ActorCell? t_current;

    [ThreadStatic]
    private static ActorCell? t_constructing;

    private readonly ActorSystem _system;
    private readonly InternalActorRef _parent;
    private readonly List<(Receive Receive, string Name)> _behaviours = new();
    private readonly LinkedList<Envelope> _front = new();
    private readonly TaskCompletionSource _terminated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ActorBase? _actor;
    private Envelope _current;
    private bool _failed;
    private bool _awaitingAsync;
    private int _asyncGeneration;
    private bool _terminating;
    private bool _isTerminated;
    private TimerScheduler? _timers;
    private StashImpl? _stash;
    private ILoggingAdapter? _log;

    public ActorCell(ActorSystem system, Props props, ActorPath path, InternalActorRef parent)
    {
        _system = system;
        Props = props;
        _parent = parent;
        SelfRef = new LocalActorRef(this, path);
        var dispatcher = system.Dispatchers.Lookup(props.Dispatcher);
        Mailbox = new Mailbox(props.Mailbox ?? system.Settings.DefaultMailbox);
        _executor = dispatcher.CreateExecutor(path);
        Mailbox.Attach(this, _executor, dispatcher.Throughput);
    }

    private readonly IMailboxExecutor _executor;

    internal static ActorCell? Current
    {
        get => t_current;
        set => t_current = value;
    }

    internal static ActorCell? Constructing => t_constructing;

    internal LocalActorRef SelfRef { get; }

    internal Mailbox Mailbox { get; }

    internal Task TerminatedTask => _terminated.Task;

    // The mailbox closes before watchers are notified, so anyone who saw Terminated also sees this.
    internal bool IsTerminated => Mailbox.IsClosed;

    public Props Props { get; }

    public ActorSystem System => _system;

    public IActorRef Self => SelfRef;

    public IActorRef Sender => _current.Sender ?? _system.DeadLetters;

    public IActorRef Parent => _parent;

    public ILoggingAdapter Log => _log ??= _system.CreateLogger(SelfRef.Path.ToString());

    public string BehaviourName => _behaviours.Count == 0 ? "" : _behaviours[^1].Name;

    internal ITimerScheduler Timers => _timers ??= new TimerScheduler(_system.Scheduler, SelfRef);

    internal object? CurrentMessage => _current.Message;

    internal bool CanProcessUser =>
        _actor is not null && !_failed && !_awaitingAsync && !_terminating && _pendingRecreate is null;

    internal bool HasFront => _front.Count > 0;

    /// <summary>Enqueues Create; the actor instance is built on its dispatcher's thread.</summary>
    internal void Start() => Mailbox.EnqueueSystem(Create.Instance);

    internal bool TryDequeueFront(out Envelope envelope)
    {
        if (_front.First is { } node)
        {
            envelope = node.Value;
            _front.RemoveFirst();
            return true;
        }
        envelope = default;
        return false;
    }

    internal void PrependFront(IReadOnlyList<Envelope> envelopes)
    {
        for (var i = envelopes.Count - 1; i >= 0; i--)
        {
            _front.AddFirst(envelopes[i]);
        }
    }

    internal Envelope CurrentEnvelope => _current;

    internal void Invoke(Envelope envelope)
    {
        _current = envelope;
        try
        {
            var message = envelope.Message;
            switch (message)
            {
                case TimerMessage timer:
                    if (_timers is null || !_timers.TryAccept(timer, out var inner))
                    {
                        return;
                    }
                    message = inner;
                    _current = new Envelope(inner, envelope.Sender);
                    break;
                case ReceiveTimeoutTick tick:
                    if (!OnReceiveTimeoutTick(tick))
                    {
                        return;
                    }
                    message = Actors.ReceiveTimeout.Instance;
                    _current = new Envelope(message, null);
                    break;
                case PoisonPill:
                    Stop(SelfRef);
                    return;
                case Kill:
                    throw new ActorKilledException($"{SelfRef.Path} was sent Kill.");
            }
            if (_receiveTimeout is not null && message is not Actors.ReceiveTimeout)
            {
                _lastActivity = _system.TimeProvider.GetUtcNow();
            }
            if (!_behaviours[^1].Receive(message))
            {
                _actor!.InvokeUnhandled(message);
            }
        }
        catch (Exception e)
        {
            HandleInvokeFailure(e, escalated: false);
        }
    }

    internal void SystemInvoke(SystemMessage message)
    {
        try
        {
            switch (message)
            {
                case Create:
                    CreateActor();
                    break;
                case Terminate:
                    BeginTerminate();
                    break;
                case Recreate r:
                    BeginRecreate(r.Cause);
                    break;
                case Resume:
                    ResumeAfterFailure();
                    break;
                case Watch w:
                    AddWatcher(w);
                    break;
                case Unwatch u:
                    RemoveWatcher(u);
                    break;
                case DeathWatchNotification d:
                    HandleDeathNotification(d);
                    break;
                case Failed f:
                    HandleChildFailure(f);
                    break;
                case AsyncCompleted a:
                    HandleAsyncCompleted(a);
                    break;
                case RunContinuation c:
                    RunContinuationInActor(c);
                    break;
            }
        }
        catch (Exception e)
        {
            HandleInvokeFailure(e, escalated: false);
        }
    }

    public void Become(Receive receive, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(receive);
        var entry = (receive, name ?? receive.Method.Name);
        if (_behaviours.Count <= 1)
        {
            _behaviours.Add(entry);
        }
        else
        {
            _behaviours[^1] = entry;
        }
        LogBecome();
    }

    public void BecomeStacked(Receive receive, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(receive);
        _behaviours.Add((receive, name ?? receive.Method.Name));
        LogBecome();
    }

    public void UnbecomeStacked()
    {
        if (_behaviours.Count > 1)
        {
            _behaviours.RemoveAt(_behaviours.Count - 1);
        }
        LogBecome();
    }

    private void LogBecome()
    {
        if (Log.IsEnabled(LogLevel.Debug))
        {
            Log.Debug($"behaviour -> {BehaviourName}");
        }
    }

    private void CreateActor()
    {
        if (_terminating)
        {
            return;
        }
        try
        {
            NewActorInstance();
            _actor!.AroundPreStart();
        }
        catch (Exception e)
        {
            HandleInvokeFailure(
                new ActorInitializationException($"{SelfRef.Path} failed to start: {e.Message}", e), escalated: false);
        }
    }

    private void NewActorInstance()
    {
        _actor = null;
        _behaviours.Clear();
        t_constructing = this;
        ActorBase actor;
        try
        {
            actor = Props.NewActor();
        }
        finally
        {
            t_constructing = null;
        }
        _actor = actor;
        // Below anything the constructor already Become'd, so a constructor can pick its first phase.
        _behaviours.Insert(0, (actor.ReceiveInitial, "Receive"));
        if (actor is IWithStash withStash)
        {
            withStash.Stash = _stash ??= new StashImpl(this);
        }
        actor.OnConstructed();
    }

    /// <summary>Runs an async handler; until its task completes no user message is processed.</summary>
    internal void RunTask(Func<Task> handler)
    {
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(new ActorSynchronizationContext(SelfRef));
        Task task;
        try
        {
            task = handler();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
        if (task.IsCompleted)
        {
            task.GetAwaiter().GetResult();
            return;
        }
        _awaitingAsync = true;
        var generation = ++_asyncGeneration;
        task.ContinueWith(static (t, state) =>
            {
                var (self, gen) = ((LocalActorRef, int))state!;
                self.SendSystemMessage(new AsyncCompleted(t, gen));
            }, (SelfRef, generation), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private void HandleAsyncCompleted(AsyncCompleted completed)
    {
        if (!_awaitingAsync || completed.Generation != _asyncGeneration)
        {
            return;
        }
        _awaitingAsync = false;
        if (completed.Task.IsFaulted)
        {
            var error = completed.Task.Exception!.InnerExceptions.Count == 1
                ? completed.Task.Exception.InnerException!
                : completed.Task.Exception;
            HandleInvokeFailure(error, escalated: false);
        }
        else if (completed.Task.IsCanceled)
        {
            HandleInvokeFailure(new TaskCanceledException($"Async handler of {SelfRef.Path} was cancelled."),
                escalated: false);
        }
    }

    private void RunContinuationInActor(RunContinuation continuation)
    {
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(new ActorSynchronizationContext(SelfRef));
        try
        {
            continuation.Callback(continuation.State);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
    }

    /// <summary>Async continuations of an actor's handler run inside its mailbox, as system messages.</summary>
    private sealed class ActorSynchronizationContext(LocalActorRef self) : SynchronizationContext
    {
        public override void Post(SendOrPostCallback d, object? state) =>
            self.SendSystemMessage(new RunContinuation(d, state));

        public override SynchronizationContext CreateCopy() => this;
    }
}
