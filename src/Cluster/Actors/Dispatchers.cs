using System.Collections.Concurrent;

namespace ActorCodistill.Cluster.Actors;

/// <summary>Runs mailboxes. One executor per actor; the thread-pool dispatcher shares one.</summary>
public abstract class MessageDispatcher
{
    protected MessageDispatcher(string id, int throughput)
    {
        if (throughput <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(throughput), throughput, $"Dispatcher '{id}' throughput must be positive.");
        }
        Id = id;
        Throughput = throughput;
    }

    public string Id { get; }

    /// <summary>User messages one actor processes before giving its thread back.</summary>
    public int Throughput { get; }

    internal abstract IMailboxExecutor CreateExecutor(ActorPath path);
}

internal interface IMailboxExecutor
{
    void Execute(Mailbox mailbox);

    /// <summary>Called on the actor's own thread after it terminated.</summary>
    void Shutdown();
}

/// <summary>Default dispatcher: mailboxes run as thread-pool work items.</summary>
public sealed class ThreadPoolDispatcher(string id, int throughput) : MessageDispatcher(id, throughput)
{
    internal override IMailboxExecutor CreateExecutor(ActorPath path) => Executor.Instance;

    private sealed class Executor : IMailboxExecutor
    {
        public static readonly Executor Instance = new();

        public void Execute(Mailbox mailbox) => ThreadPool.UnsafeQueueUserWorkItem(mailbox, preferLocal: false);

        public void Shutdown()
        {
        }
    }
}

/// <summary>
/// One dedicated thread per actor for its whole life, restarts included: construction, every message and
/// every async continuation of the actor run on it (native state such as a GPU context stays on one thread).
/// </summary>
public sealed class PinnedDispatcher(string id, int throughput) : MessageDispatcher(id, throughput)
{
    internal override IMailboxExecutor CreateExecutor(ActorPath path) => new Executor(path);

    private sealed class Executor : IMailboxExecutor
    {
        private readonly SemaphoreSlim _signal = new(0);
        private Mailbox? _mailbox;
        private volatile bool _shutdown;

        public Executor(ActorPath path)
        {
            var thread = new Thread(Loop)
            {
                IsBackground = true,
                Name = $"pinned {path}",
            };
            thread.Start();
        }

        public void Execute(Mailbox mailbox)
        {
            _mailbox ??= mailbox;
            _signal.Release();
        }

        public void Shutdown() => _shutdown = true;

        private void Loop()
        {
            while (!_shutdown)
            {
                _signal.Wait();
                if (_shutdown)
                {
                    break;
                }
                _mailbox?.Run();
            }
            _signal.Dispose();
        }
    }
}

/// <summary>Dispatcher registry: "default-dispatcher" and "pinned-dispatcher" always exist.</summary>
public sealed class Dispatchers
{
    public const string DefaultDispatcherId = "default-dispatcher";
    public const string PinnedDispatcherId = "pinned-dispatcher";

    private readonly ConcurrentDictionary<string, MessageDispatcher> _dispatchers = new(StringComparer.Ordinal);

    internal Dispatchers(int throughput)
    {
        Register(new ThreadPoolDispatcher(DefaultDispatcherId, throughput));
        Register(new PinnedDispatcher(PinnedDispatcherId, throughput));
    }

    public MessageDispatcher DefaultDispatcher => Lookup(DefaultDispatcherId);

    public void Register(MessageDispatcher dispatcher)
    {
        ArgumentNullException.ThrowIfNull(dispatcher);
        if (!_dispatchers.TryAdd(dispatcher.Id, dispatcher))
        {
            throw new ArgumentException($"Dispatcher '{dispatcher.Id}' is already registered.", nameof(dispatcher));
        }
    }

    public MessageDispatcher Lookup(string id) =>
        _dispatchers.TryGetValue(id, out var d)
            ? d
            : throw new ArgumentException(
                $"No dispatcher '{id}' (known: {string.Join(", ", _dispatchers.Keys.Order())}).", nameof(id));
}
