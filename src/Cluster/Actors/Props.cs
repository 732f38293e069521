namespace ActorCodistill.Cluster.Actors;

/// <summary>How to create an actor: factory, dispatcher, mailbox and the strategy it applies to its children.</summary>
public sealed class Props
{
    private readonly Func<ActorBase> _factory;

    private Props(Type actorType, Func<ActorBase> factory, string dispatcher, MailboxSettings? mailbox,
        SupervisorStrategy? supervisorStrategy)
    {
        ActorType = actorType;
        _factory = factory;
        Dispatcher = dispatcher;
        Mailbox = mailbox;
        SupervisorStrategy = supervisorStrategy;
    }

    public Type ActorType { get; }

    public string Dispatcher { get; }

    /// <summary>Null means the system's default mailbox.</summary>
    public MailboxSettings? Mailbox { get; }

    /// <summary>Overrides the actor's own SupervisorStrategy() for its children when set.</summary>
    public SupervisorStrategy? SupervisorStrategy { get; }

    public static Props Create<T>(Func<T> factory)
        where T : ActorBase
    {
        ArgumentNullException.ThrowIfNull(factory);
        return new Props(typeof(T), factory, Dispatchers.DefaultDispatcherId, null, null);
    }

    public static Props Create<T>(params object[] args)
        where T : ActorBase => Create(typeof(T), args);

    public static Props Create(Type actorType, params object[] args)
    {
        ArgumentNullException.ThrowIfNull(actorType);
        if (!typeof(ActorBase).IsAssignableFrom(actorType) || actorType.IsAbstract)
        {
            throw new ArgumentException($"{actorType.FullName} is not a concrete ActorBase.", nameof(actorType));
        }
        return new Props(actorType, () => (ActorBase)Activator.CreateInstance(actorType, args)!,
            Dispatchers.DefaultDispatcherId, null, null);
    }

    public Props WithDispatcher(string dispatcherId) =>
        new(ActorType, _factory, dispatcherId ?? throw new ArgumentNullException(nameof(dispatcherId)), Mailbox,
            SupervisorStrategy);

    public Props WithMailbox(MailboxSettings mailbox) =>
        new(ActorType, _factory, Dispatcher, mailbox ?? throw new ArgumentNullException(nameof(mailbox)),
            SupervisorStrategy);

    public Props WithSupervisorStrategy(SupervisorStrategy strategy) =>
        new(ActorType, _factory, Dispatcher, Mailbox, strategy ?? throw new ArgumentNullException(nameof(strategy)));

    internal ActorBase NewActor() => _factory();

    public override string ToString() => $"Props({ActorType.Name}, dispatcher={Dispatcher})";
}
