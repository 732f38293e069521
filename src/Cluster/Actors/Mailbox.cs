using System.Threading.Channels;

namespace ActorCodistill.Cluster.Actors;

/// <summary>
/// Two channels (system, user) and a scheduled flag. One run processes all system messages, then up to
/// <c>throughput</c> user messages (re-checking system messages between each), then hands the thread back.
/// </summary>
internal sealed class Mailbox : IThreadPoolWorkItem
{
    private readonly Channel<SystemMessage> _system =
        Channel.CreateUnbounded<SystemMessage>(new UnboundedChannelOptions { SingleReader = false });

    private readonly Channel<Envelope> _user;
    private readonly MailboxSettings _settings;
    private readonly object _drainLock = new();
    private ActorCell _cell = null!;
    private IMailboxExecutor _executor = null!;
    private int _throughput;
    private int _scheduled;
    private volatile bool _closed;

    public Mailbox(MailboxSettings settings)
    {
        _settings = settings;
        _user = settings.Capacity is { } capacity
            ? Channel.CreateBounded<Envelope>(new BoundedChannelOptions(capacity)
            {
                SingleReader = true,
                FullMode = BoundedChannelFullMode.Wait,
            })
            : Channel.CreateUnbounded<Envelope>(new UnboundedChannelOptions { SingleReader = true });
    }

    public bool IsClosed => _closed;

    public void Attach(ActorCell cell, IMailboxExecutor executor, int throughput)
    {
        _cell = cell;
        _executor = executor;
        _throughput = throughput;
    }

    public void EnqueueUser(in Envelope envelope)
    {
        if (_closed)
        {
            _cell.System.RecordDeadLetter(new DeadLetter(envelope.Message, envelope.Sender, _cell.SelfRef));
            return;
        }
        if (!_user.Writer.TryWrite(envelope))
        {
            if (_settings.Overflow == OverflowPolicy.Fail)
            {
                throw new MailboxOverflowException(
                    $"Mailbox of {_cell.SelfRef.Path} is full (capacity {_settings.Capacity}); " +
                    $"{envelope.Message.GetType().Name} rejected.");
            }
            _cell.System.RecordDeadLetter(new DeadLetter(envelope.Message, envelope.Sender, _cell.SelfRef));
            return;
        }
        if (_closed)
        {
            DrainAfterClose();
        }
        else
        {
            Schedule();
        }
    }

    public void EnqueueSystem(SystemMessage message)
    {
        _system.Writer.TryWrite(message);
        if (_closed)
        {
            DrainAfterClose();
        }
        else
        {
            Schedule();
        }
    }

    public void Schedule()
    {
        if (Interlocked.CompareExchange(ref _scheduled, 1, 0) == 0)
        {
            _executor.Execute(this);
        }
    }

    void IThreadPoolWorkItem.Execute() => Run();

    public void Run()
    {
        var previous = ActorCell.Current;
        ActorCell.Current = _cell;
        try
        {
            if (_closed)
            {
                return;
            }
            ProcessSystem();
            var left = _throughput;
            while (left-- > 0 && !_closed && _cell.CanProcessUser)
            {
                if (!_cell.TryDequeueFront(out var envelope) && !_user.Reader.TryRead(out envelope))
                {
                    break;
                }
                _cell.Invoke(envelope);
                ProcessSystem();
            }
        }
        finally
        {
            ActorCell.Current = previous;
            Interlocked.Exchange(ref _scheduled, 0);
            if (HasWork())
            {
                Schedule();
            }
        }
    }

    /// <summary>Called by the cell (on its own thread) once it has terminated.</summary>
    public void Close()
    {
        _closed = true;
        DrainAfterClose();
    }

    private void ProcessSystem()
    {
        while (!_closed && _system.Reader.TryRead(out var message))
        {
            _cell.SystemInvoke(message);
        }
    }

    private bool HasWork() =>
        !_closed && (_system.Reader.TryPeek(out _) ||
                     (_cell.CanProcessUser && (_cell.HasFront || _user.Reader.TryPeek(out _))));

    // Messages that raced with termination are never silently lost: user messages become dead letters and
    // system messages get their after-death answer (a Watch is answered with Terminated).
    private void DrainAfterClose()
    {
        lock (_drainLock)
        {
            while (_user.Reader.TryRead(out var envelope))
            {
                _cell.System.RecordDeadLetter(new DeadLetter(envelope.Message, envelope.Sender, _cell.SelfRef));
            }
            while (_system.Reader.TryRead(out var message))
            {
                _cell.HandleSystemMessageAfterDeath(message);
            }
        }
    }
}
