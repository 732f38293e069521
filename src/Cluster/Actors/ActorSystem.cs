namespace ActorCodistill.Cluster.Actors;

/// <summary>
/// A tree of actors under /user (yours) and /system (runtime), with one scheduler thread, an event stream,
/// dead letters and coordinated shutdown. Time comes from the injected TimeProvider everywhere.
/// </summary>
public sealed class ActorSystem : IActorRefFactory
{
    private readonly TaskCompletionSource _whenTerminated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly DedicatedThreadScheduler _scheduler;
    private readonly ActorCell _userGuardian;
    private readonly ActorCell _systemGuardian;
    private readonly ActorPath _tempPath;
    private long _deadLetterCount;
    private long _tempCounter;
    private int _terminating;

    private ActorSystem(string name, ActorSystemSettings settings, TimeProvider time)
    {
        Name = name;
        Settings = settings;
        TimeProvider = time;
        StartTime = time.GetUtcNow();
        Address = settings.Host is null
            ? Address.Local(name)
            : new Address(Address.DefaultProtocol, name, settings.Host, settings.Port);
        Log = CreateLogger(Address.ToString());
        Dispatchers = new Dispatchers(settings.Throughput);
        EventStream = new EventStream();
        _scheduler = new DedicatedThreadScheduler(time, name,
            e => Log.Error(e, "A scheduled action threw; the scheduler goes on."));
        var root = ActorPath.Root(Address);
        DeadLetters = new DeadLetterActorRef(this, root.Child("deadLetters"));
        _tempPath = root.Child("temp");
        CoordinatedShutdown = new CoordinatedShutdown(this);
        var rootRef = new RootGuardianRef(this, root);
        _userGuardian = new ActorCell(this,
            Props.Create(() => new GuardianActor(new UserGuardianStrategy())), root.Child("user", ActorCell.NewUid()),
            rootRef);
        _systemGuardian = new ActorCell(this,
            Props.Create(() => new GuardianActor(SupervisorStrategy.DefaultStrategy)),
            root.Child("system", ActorCell.NewUid()), rootRef);
        _userGuardian.Start();
        _systemGuardian.Start();
    }

    public string Name { get; }

    public ActorSystemSettings Settings { get; }

    public TimeProvider TimeProvider { get; }

    public DateTimeOffset StartTime { get; }

    public Address Address { get; }

    public ILoggingAdapter Log { get; }

    public Dispatchers Dispatchers { get; }

    public EventStream EventStream { get; }

    public IScheduler Scheduler => _scheduler;

    internal DedicatedThreadScheduler SchedulerInternal => _scheduler;

    public IActorRef DeadLetters { get; }

    /// <summary>Every message that could not be delivered, since start.</summary>
    public long DeadLetterCount => Interlocked.Read(ref _deadLetterCount);

    public CoordinatedShutdown CoordinatedShutdown { get; }

    public Task WhenTerminated => _whenTerminated.Task;

    public static ActorSystem Create(string name, ActorSystemSettings? settings = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0 || !char.IsAsciiLetterOrDigit(name[0]) ||
            !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw new ArgumentException(
                $"Actor system name '{name}' must start with a letter or digit and contain only letters, digits, '-' and '_'.",
                nameof(name));
        }
        return new ActorSystem(name, settings ?? ActorSystemSettings.Default, timeProvider ?? TimeProvider.System);
    }

    /// <summary>Creates a top-level actor under /user.</summary>
    public IActorRef ActorOf(Props props, string? name = null) => _userGuardian.ActorOf(props, name);

    /// <summary>Creates a runtime actor under /system.</summary>
    public IActorRef SystemActorOf(Props props, string? name = null) => _systemGuardian.ActorOf(props, name);

    public void Stop(IActorRef actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        // Through the guardian for top-level actors, so the name is free as soon as Stop returns.
        if (actor.Path.Parent is { } parent && parent.Equals(_userGuardian.SelfRef.Path))
        {
            _userGuardian.Stop(actor);
        }
        else if (actor is InternalActorRef target)
        {
            target.SendSystemMessage(Actors.Terminate.Instance);
        }
    }

    /// <summary>Runs coordinated shutdown (whose last phase stops all actors, children first) and returns WhenTerminated.</summary>
    public Task Terminate()
    {
        CoordinatedShutdown.Run(new CoordinatedShutdown.ActorSystemTerminateReason());
        return WhenTerminated;
    }

    public ILoggingAdapter CreateLogger(string source) =>
        new LoggingAdapter(Settings.LogSink, Settings.LogLevel, source, TimeProvider);

    /// <summary>Counts, logs (up to the configured limit) and publishes an undeliverable message.</summary>
    internal void RecordDeadLetter(DeadLetter deadLetter)
    {
        var count = Interlocked.Increment(ref _deadLetterCount);
        if (count <= Settings.DeadLettersLogLimit)
        {
            Log.Info($"Dead letter {count}: {deadLetter.Message.GetType().Name} from {deadLetter.Sender?.Path.ToString() ?? "no sender"} " +
                     $"to {deadLetter.Recipient.Path} was not delivered." +
                     (count == Settings.DeadLettersLogLimit ? " Further dead letters are counted, not logged." : ""));
        }
        // A dead letter about a dead letter is counted but not re-published, so a dead subscriber cannot loop.
        if (deadLetter.Message is not DeadLetter)
        {
            EventStream.Publish(deadLetter);
        }
    }

    internal ActorPath NewTempPath() => _tempPath.Child("$" + Interlocked.Increment(ref _tempCounter));

    /// <summary>
    /// The live actor under /user or /system at <paramref name="path"/>'s elements, or null. A uid in the path must
    /// match the incarnation. For the remoting layer, which receives recipients as path strings.
    /// </summary>
    internal InternalActorRef? ResolveLocal(ActorPath path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Elements.IsEmpty)
        {
            return null;
        }
        var cell = path.Elements[0] switch
        {
            "user" => _userGuardian,
            "system" => _systemGuardian,
            _ => null,
        };
        if (cell is null)
        {
            return path.Elements.Length == 1 && path.Elements[0] == "deadLetters" ? (InternalActorRef)DeadLetters : null;
        }
        for (var i = 1; i < path.Elements.Length; i++)
        {
            if (cell.Child(path.Elements[i]) is not LocalActorRef child)
            {
                return null;
            }
            cell = child.Cell;
        }
        var found = cell.SelfRef;
        return found.Cell.IsTerminated || (path.Uid != 0 && path.Uid != found.Path.Uid) ? null : found;
    }

    /// <summary>Stops /user (top-down, children's PostStop first), then /system, then the scheduler.</summary>
    internal Task FinalTerminate()
    {
        if (Interlocked.Exchange(ref _terminating, 1) == 1)
        {
            return WhenTerminated;
        }
        _ = Task.Run(async () =>
        {
            _userGuardian.SelfRef.SendSystemMessage(Actors.Terminate.Instance);
            await _userGuardian.TerminatedTask.ConfigureAwait(false);
            _systemGuardian.SelfRef.SendSystemMessage(Actors.Terminate.Instance);
            await _systemGuardian.TerminatedTask.ConfigureAwait(false);
            Log.Info("Actor system terminated.");
            _scheduler.Dispose();
            _whenTerminated.TrySetResult();
        });
        return WhenTerminated;
    }

    public override string ToString() => Address.ToString();
}
