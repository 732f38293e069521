using System.Collections.Concurrent;
using System.Diagnostics;
using ActorCodistill.Cluster.Actors;
using Xunit.Sdk;

namespace ActorCodistill.TestKit;

/// <summary>
/// An actor whose messages land in a queue the test reads with Expect*. Waits are on real time (messages are
/// delivered by real threads even when the system runs on a fake clock), scaled by the dilation factor.
/// </summary>
public sealed class TestProbe
{
    private readonly BlockingCollection<(object Message, IActorRef Sender)> _queue = new();
    private readonly double _dilation;
    private readonly Stack<DateTime> _deadlines = new();

    public TestProbe(ActorSystem system, string? name = null, double dilation = 1.0)
    {
        ArgumentNullException.ThrowIfNull(system);
        System = system;
        _dilation = dilation;
        Ref = system.ActorOf(Props.Create(() => new ProbeActor(_queue)), name);
    }

    public ActorSystem System { get; }

    public IActorRef Ref { get; }

    public IActorRef LastSender { get; private set; } = ActorRefs.Nobody;

    public object? LastMessage { get; private set; }

    public TimeSpan DefaultTimeout => TimeSpan.FromSeconds(3 * _dilation);

    /// <summary>Tells <paramref name="target"/> with this probe as sender.</summary>
    public void Send(IActorRef target, object message) => target.Tell(message, Ref);

    /// <summary>Replies to the sender of the last received message.</summary>
    public void Reply(object message) => LastSender.Tell(message, Ref);

    /// <summary>Forwards the last received message (or <paramref name="message"/>) keeping its sender.</summary>
    public void Forward(IActorRef target, object? message = null) =>
        target.Tell(message ?? LastMessage ?? throw new InvalidOperationException("No message received yet."), LastSender);

    public T ExpectMsg<T>(Func<T, bool>? predicate = null, TimeSpan? timeout = null)
    {
        var (message, _) = Next(timeout, $"a {typeof(T).Name}");
        if (message is not T typed)
        {
            throw new XunitException($"Expected {typeof(T).Name} but received {Describe(message)}.");
        }
        if (predicate is not null && !predicate(typed))
        {
            throw new XunitException($"Received {Describe(message)} which does not satisfy the predicate.");
        }
        return typed;
    }

    public T ExpectMsg<T>(T expected, TimeSpan? timeout = null)
        where T : notnull
    {
        var (message, _) = Next(timeout, Describe(expected));
        if (!Equals(message, expected))
        {
            throw new XunitException($"Expected {Describe(expected)} but received {Describe(message)}.");
        }
        return (T)message;
    }

    public void ExpectNoMsg(TimeSpan duration)
    {
        var wait = Remaining(Dilated(duration));
        if (_queue.TryTake(out var item, wait))
        {
            Record(item);
            throw new XunitException($"Expected no message for {wait.TotalMilliseconds:0} ms but received {Describe(item.Message)}.");
        }
    }

    public IReadOnlyList<object> ReceiveN(int count, TimeSpan? timeout = null)
    {
        var stop = Stopwatch.StartNew();
        var total = Remaining(timeout ?? DefaultTimeout);
        var result = new List<object>(count);
        while (result.Count < count)
        {
            var left = total - stop.Elapsed;
            if (left < TimeSpan.Zero || !_queue.TryTake(out var item, left))
            {
                throw new XunitException($"Received {result.Count} of {count} messages within {total.TotalMilliseconds:0} ms.");
            }
            Record(item);
            result.Add(item.Message);
        }
        return result;
    }

    /// <summary>Skips messages until one is a <typeparamref name="T"/> satisfying <paramref name="predicate"/>.</summary>
    public T FishForMessage<T>(Func<T, bool> predicate, TimeSpan? timeout = null)
    {
        var stop = Stopwatch.StartNew();
        var total = Remaining(timeout ?? DefaultTimeout);
        while (true)
        {
            var left = total - stop.Elapsed;
            if (left < TimeSpan.Zero || !_queue.TryTake(out var item, left))
            {
                throw new XunitException($"No matching {typeof(T).Name} within {total.TotalMilliseconds:0} ms.");
            }
            Record(item);
            if (item.Message is T typed && predicate(typed))
            {
                return typed;
            }
        }
    }

    public IActorRef Watch(IActorRef target)
    {
        Ref.Tell(new ProbeActor.WatchCommand(target, true));
        return target;
    }

    public IActorRef Unwatch(IActorRef target)
    {
        Ref.Tell(new ProbeActor.WatchCommand(target, false));
        return target;
    }

    public Terminated ExpectTerminated(IActorRef target, TimeSpan? timeout = null) =>
        ExpectMsg<Terminated>(t => t.ActorRef.Equals(target), timeout);

    /// <summary>Runs <paramref name="action"/>, which must take between min and max; nested expects share max.</summary>
    public void Within(TimeSpan min, TimeSpan max, Action action)
    {
        var dilatedMax = Dilated(max);
        var stop = Stopwatch.StartNew();
        _deadlines.Push(DateTime.UtcNow + dilatedMax);
        try
        {
            action();
        }
        finally
        {
            _deadlines.Pop();
        }
        var elapsed = stop.Elapsed;
        if (elapsed < min)
        {
            throw new XunitException($"Block took {elapsed.TotalMilliseconds:0} ms, less than the minimum {min.TotalMilliseconds:0} ms.");
        }
        if (elapsed > dilatedMax)
        {
            throw new XunitException($"Block took {elapsed.TotalMilliseconds:0} ms, more than the maximum {dilatedMax.TotalMilliseconds:0} ms.");
        }
    }

    public TimeSpan Dilated(TimeSpan duration) => TimeSpan.FromTicks((long)(duration.Ticks * _dilation));

    private (object Message, IActorRef Sender) Next(TimeSpan? timeout, string what)
    {
        var wait = Remaining(timeout ?? DefaultTimeout);
        if (!_queue.TryTake(out var item, wait))
        {
            throw new XunitException($"Timeout ({wait.TotalMilliseconds:0} ms) waiting for {what} at probe {Ref.Path}.");
        }
        Record(item);
        return item;
    }

    private TimeSpan Remaining(TimeSpan wanted)
    {
        if (_deadlines.Count == 0)
        {
            return wanted;
        }
        var left = _deadlines.Peek() - DateTime.UtcNow;
        return left < TimeSpan.Zero ? TimeSpan.Zero : left < wanted ? left : wanted;
    }

    private void Record((object Message, IActorRef Sender) item)
    {
        LastMessage = item.Message;
        LastSender = item.Sender;
    }

    private static string Describe(object? message) => message is null ? "null" : $"{message.GetType().Name} {message}";

    private sealed class ProbeActor(BlockingCollection<(object, IActorRef)> queue) : ActorBase
    {
        public sealed record WatchCommand(IActorRef Target, bool Watch);

        protected override bool Receive(object message)
        {
            if (message is WatchCommand command)
            {
                if (command.Watch)
                {
                    Context.Watch(command.Target);
                }
                else
                {
                    Context.Unwatch(command.Target);
                }
                return true;
            }
            queue.Add((message, Sender));
            return true;
        }
    }
}
