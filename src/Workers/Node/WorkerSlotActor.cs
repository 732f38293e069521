using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using ActorCodistill.Workers.Actors;

namespace ActorCodistill.Workers.Node;

/// <summary>
/// A worker slot as an Akka.Cluster.Sharding entity (entity id <c>g{group}-s{slot}</c>, one per shard, placed by
/// <see cref="ActorCodistill.Cluster.Slots.PinnedSlotAllocation"/>): takes a device of the node it landed on
/// (<see cref="DevicePool"/>) and runs the slot's current worker incarnation as its child, on the pinned dispatcher.
/// <list type="bullet">
/// <item>Each incarnation starts once: a <see cref="SpawnWorker"/> sent again for the running one is answered with
/// <see cref="WorkerStarted"/> again; an older one is ignored; a newer one (or the first of a new job incarnation)
/// stops the running worker and starts when it has stopped, on the same device.</item>
/// <item>The group releases its worker (<see cref="StopWorker"/>: fenced, drained, job over); the slot then gives its
/// device back and passivates, while its shard stays on this node, so the next incarnation starts here again (pinned)
/// unless the node is gone or drained.</item>
/// <item>A worker whose group is gone (the seed died) is stopped. A worker that throws is stopped; its group sees it
/// terminate and asks for the next incarnation.</item>
/// <item>When the shard moves (a drain's rebalance) the slot waits for its group to release the worker at a step
/// boundary, then stops, so a hand-off never cuts a step short; after <see cref="WorkerSlots.HandOffGrace"/> it stops
/// the worker itself. On a drained node it starts nothing and asks the placement to send again (the slot is moving).</item>
/// </list>
/// </summary>
public sealed class WorkerSlotActor : ReceiveActor, IWithTimers
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly DevicePool _pool;
    private readonly Func<SpawnWorker, ILoggingAdapter, Props> _workerProps;
    private readonly TimeSpan _handOffGrace;
    private string? _device;
    private Running? _running;
    private Running? _next;
    private bool _handingOff;

    private sealed record Running(SpawnWorker Spawn, IActorRef Placement, IActorRef? Worker = null);

    private sealed record HandOffGraceOver
    {
        public static readonly HandOffGraceOver Instance = new();
    }

    private sealed record StopSlot
    {
        public static readonly StopSlot Instance = new();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public WorkerSlotActor(DevicePool pool, Func<SpawnWorker, ILoggingAdapter, Props> workerProps, TimeSpan handOffGrace)
    {
        _pool = pool;
        _workerProps = workerProps;
        _handOffGrace = handOffGrace;
        Receive<SpawnWorker>(OnSpawn);
        Receive<Terminated>(OnTerminated);
        Receive<SlotHandOff>(_ => OnHandOff());
        Receive<HandOffGraceOver>(_ =>
        {
            if (_running?.Worker is not { } worker) return;
            _log.Warning($"slot {Slot}: its group did not release worker #{_running.Spawn.Generation} within {_handOffGrace.TotalSeconds:0} s of the hand-off; stopping it");
            Context.Stop(worker);
        });
        Receive<StopSlot>(_ => Context.Stop(Self));
    }

    public static Props Props(DevicePool pool, Func<SpawnWorker, ILoggingAdapter, Props> workerProps, TimeSpan handOffGrace) =>
        Akka.Actor.Props.Create(() => new WorkerSlotActor(pool, workerProps, handOffGrace));

    private string Slot => Self.Path.Name;

    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(ex =>
        {
            _log.Warning($"slot {Slot}: its worker failed and is stopped: {ex.Message}");
            return Directive.Stop;
        });

    protected override void PostStop()
    {
        if (_device is not null) _pool.Release(Slot);
    }

    private void OnSpawn(SpawnWorker spawn)
    {
        if (_handingOff)
        {
            Refuse(spawn, Sender, "the slot is moving to another node", retry: true);
            return;
        }
        if (_running is { } running)
        {
            var sameJob = running.Spawn.GroupRef.Equals(spawn.GroupRef);
            if (sameJob && spawn.Generation == running.Spawn.Generation)
            {
                Sender.Tell(new WorkerStarted(_device!, spawn.Group, spawn.Slot, spawn.Generation), Self);
                return;
            }
            if (sameJob && spawn.Generation < running.Spawn.Generation)
            {
                _log.Info($"slot {Slot}: ignoring incarnation #{spawn.Generation}, #{running.Spawn.Generation} runs");
                return;
            }
            _log.Info($"slot {Slot}: incarnation #{spawn.Generation} replaces #{running.Spawn.Generation}; it starts when that one has stopped");
            _next = new Running(spawn, Sender);
            Context.Stop(running.Worker!);
            return;
        }
        Start(spawn, Sender);
    }

    private void Start(SpawnWorker spawn, IActorRef placement)
    {
        if (_pool.Drained is { } why)
        {
            Refuse(spawn, placement, $"this node is drained ({why}); the slot moves to another node", retry: true);
            Passivate();
            return;
        }
        try
        {
            spawn.Spec.Validate();
        }
        catch (ArgumentException e)
        {
            Refuse(spawn, placement, $"invalid job spec: {e.Message}", retry: false);
            Passivate();
            return;
        }
        _device ??= _pool.Lease(Slot);
        if (_device is null)
        {
            Refuse(spawn, placement, $"no free device on this node ({_pool.Describe()})", retry: true);
            Passivate();
            return;
        }
        var worker = Context.ActorOf(_workerProps(spawn, _log), $"worker-{spawn.Generation}");
        Context.Watch(worker);
        Context.Watch(spawn.GroupRef);
        _running = new Running(spawn, placement, worker);
        _log.Info($"slot {Slot}: started worker of group {spawn.Group} slot {spawn.Slot} #{spawn.Generation} on {_device} for {spawn.GroupRef.Path}");
        placement.Tell(new WorkerStarted(_device, spawn.Group, spawn.Slot, spawn.Generation), Self);
    }

    private void Refuse(SpawnWorker spawn, IActorRef placement, string reason, bool retry)
    {
        _log.Warning($"slot {Slot}: not starting group {spawn.Group} slot {spawn.Slot} #{spawn.Generation}: {reason}");
        placement.Tell(new SpawnRefused(_device ?? "", spawn.Group, spawn.Slot, spawn.Generation, reason, retry), Self);
    }

    private void OnTerminated(Terminated terminated)
    {
        if (_running is { Worker: { } worker } running && worker.Equals(terminated.ActorRef))
        {
            _running = null;
            running.Placement.Tell(new WorkerStopped(_device!, running.Spawn.Group, running.Spawn.Slot, running.Spawn.Generation), Self);
            if (_handingOff)
            {
                Context.Stop(Self);
                return;
            }
            if (_next is { } next)
            {
                _next = null;
                Start(next.Spawn, next.Placement);
                return;
            }
            // Released by its group: the device is free until the slot's next incarnation comes, here again.
            _pool.Release(Slot);
            _device = null;
            Passivate();
        }
        else if (_running is { Worker: { } current } r && r.Spawn.GroupRef.Equals(terminated.ActorRef))
        {
            _log.Info($"slot {Slot}: group {r.Spawn.Group} is gone ({(terminated.AddressTerminated ? "its node left" : "stopped")}); stopping its worker");
            _next = null;
            Context.Stop(current);
        }
    }

    private void OnHandOff()
    {
        _handingOff = true;
        if (_next is { } next)
        {
            Refuse(next.Spawn, next.Placement, "the slot is moving to another node", retry: true);
            _next = null;
        }
        if (_running?.Worker is null)
        {
            Context.Stop(Self);
            return;
        }
        _log.Info($"slot {Slot}: moving to another node once group {_running.Spawn.Group} has released worker #{_running.Spawn.Generation}");
        Timers.StartSingleTimer("hand-off", HandOffGraceOver.Instance, _handOffGrace);
    }

    private void Passivate() => Context.Parent.Tell(new Passivate(StopSlot.Instance));
}
