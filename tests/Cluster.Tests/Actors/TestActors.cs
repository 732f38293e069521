using ActorCodistill.Cluster.Actors;
using ActorCodistill.TestKit;

namespace ActorCodistill.Cluster.Tests.Actors;

/// <summary>Counts "inc", answers "get", throws on "fail"; reports lifecycle hooks to a probe as "name:hook".</summary>
public sealed class CounterActor : ReceiveActor
{
    private readonly IActorRef _probe;
    private readonly string _name;
    private int _count;

    public CounterActor(IActorRef probe, string name)
    {
        _probe = probe;
        _name = name;
        Receive<string>(_ => _count++, s => s == "inc");
        Receive<string>(_ => Sender.Tell(_count), s => s == "get");
        Receive<string>(_ => throw new InvalidOperationException("boom"), s => s == "fail");
        Receive<string>(_ => Sender.Tell(Environment.CurrentManagedThreadId), s => s == "thread");
    }

    protected override void PreStart() => _probe.Tell($"{_name}:started");

    protected override void PostStop() => _probe.Tell($"{_name}:stopped");

    protected override void PreRestart(Exception reason, object? message)
    {
        _probe.Tell($"{_name}:prerestart:{reason.Message}:{message}");
        base.PreRestart(reason, message);
    }

    protected override void PostRestart(Exception reason)
    {
        _probe.Tell($"{_name}:postrestart");
        base.PostRestart(reason);
    }
}

public sealed record CreateChild(Props Props, string Name);

/// <summary>Creates children on request (replying with the ref) under a given strategy; reports restarts.</summary>
public sealed class ParentActor : ReceiveActor
{
    private readonly SupervisorStrategy _strategy;
    private readonly IActorRef _probe;
    private readonly string _name;

    public ParentActor(SupervisorStrategy strategy, IActorRef probe, string name)
    {
        _strategy = strategy;
        _probe = probe;
        _name = name;
        Receive<CreateChild>(c => Sender.Tell(Context.ActorOf(c.Props, c.Name)));
        Receive<string>(_ => Sender.Tell("pong"), s => s == "ping");
    }

    protected override SupervisorStrategy SupervisorStrategy() => _strategy;

    protected override void PreRestart(Exception reason, object? message)
    {
        _probe.Tell($"{_name}:prerestart:{reason.Message}");
        base.PreRestart(reason, message);
    }

    protected override void PostStop() => _probe.Tell($"{_name}:stopped");
}

public static class ChildProbeExtensions
{
    /// <summary>
    /// After <see cref="CreateChild"/>: the parent's reply (the child's ref) and the child's "name:started" are sent
    /// from two actors on two threads, so either may come first.
    /// </summary>
    public static IActorRef ExpectChildStarted(this TestProbe probe, string name)
    {
        var received = probe.ReceiveN(2);
        Assert.Contains($"{name}:started", received);
        return Assert.Single(received.OfType<IActorRef>());
    }
}

/// <summary>Forwards everything to a target, keeping nothing.</summary>
public sealed class ForwardActor : ReceiveActor
{
    public ForwardActor(IActorRef target) => ReceiveAny(m => target.Tell(m, Sender));
}

/// <summary>Replies with what it received.</summary>
public sealed class EchoActor : ReceiveActor
{
    public EchoActor() => ReceiveAny(m => Sender.Tell(m));
}

/// <summary>On "block" it signals <c>entered</c> and waits for <c>gate</c>; other messages go to the probe.</summary>
public sealed class GateActor : ReceiveActor
{
    public GateActor(ManualResetEventSlim entered, ManualResetEventSlim gate, IActorRef probe)
    {
        Receive<string>(_ =>
        {
            entered.Set();
            gate.Wait(TimeSpan.FromSeconds(30));
        }, s => s == "block");
        ReceiveAny(m => probe.Tell(m));
    }
}
