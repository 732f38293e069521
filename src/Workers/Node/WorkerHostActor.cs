using Akka.Actor;
using Akka.Event;
using TorchSharp;
using ActorCodistill.Workers.Training;
using ActorCodistill.Workers.Actors;

namespace ActorCodistill.Workers.Node;

/// <summary>
/// A worker node's host (<c>/user/worker-host</c>): starts worker actors on the device slots this node offers,
/// when the seed's placement asks, and keeps one worker per slot. A worker that throws is stopped (its group
/// sees it terminate and regroups); a worker whose group is gone (the seed died or the job ended) is stopped too,
/// so a restarted seed never finds stale workers training for a job incarnation that no longer exists.
/// </summary>
public sealed class WorkerHostActor : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IReadOnlyList<string> _devices;
    private readonly Dictionary<string, Running> _byDevice = new(StringComparer.Ordinal);
    private bool _threadsSet;

    private sealed record Running(IActorRef Worker, SpawnWorker Spawn, IActorRef Placement);

    public WorkerHostActor(IReadOnlyList<string> devices)
    {
        _devices = devices;
        Receive<SpawnWorker>(OnSpawn);
        Receive<Terminated>(OnTerminated);
    }

    public static Props Props(IReadOnlyList<string> devices) => Akka.Actor.Props.Create(() => new WorkerHostActor(devices));

    public const string Name = "worker-host";

    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(ex =>
        {
            _log.Warning($"worker failed and is stopped: {ex.Message}");
            return Directive.Stop;
        });

    private void OnSpawn(SpawnWorker spawn)
    {
        if (!_devices.Contains(spawn.Device))
        {
            Refuse(spawn, $"this node offers [{string.Join(", ", _devices)}], not '{spawn.Device}'");
            return;
        }
        if (_byDevice.TryGetValue(spawn.Device, out var busy))
        {
            Refuse(spawn, $"device {spawn.Device} runs the worker of group {busy.Spawn.Group} slot {busy.Spawn.Slot} #{busy.Spawn.Generation}");
            return;
        }
        try
        {
            spawn.Spec.Validate();
        }
        catch (ArgumentException e)
        {
            Refuse(spawn, $"invalid job spec: {e.Message}");
            return;
        }
        if (!_threadsSet)
        {
            // Thread pools and the host cache are per process: the first job's settings hold for every worker of this node.
            _log.Info(TorchSetup.InitializeAndDescribe(spawn.Spec.TorchThreads, spawn.Spec.BlasThreads, spawn.Spec.HostCacheBytes));
            _threadsSet = true;
        }
        var name = $"g{spawn.Group}-s{spawn.Slot}-n{spawn.Generation}-{spawn.Device.Replace(':', '-')}";
        var worker = Context.ActorOf(WorkerActor.Props(spawn.Spec, spawn.Group, spawn.Slot, spawn.Generation, spawn.GroupRef), name);
        Context.Watch(worker);
        Context.Watch(spawn.GroupRef);
        _byDevice[spawn.Device] = new Running(worker, spawn, Sender);
        _log.Info($"started worker of group {spawn.Group} slot {spawn.Slot} #{spawn.Generation} on {spawn.Device} for {spawn.GroupRef.Path}");
        Sender.Tell(new WorkerStarted(spawn.Device, spawn.Group, spawn.Slot, spawn.Generation), Self);
    }

    private void Refuse(SpawnWorker spawn, string reason)
    {
        _log.Warning($"refusing to start group {spawn.Group} slot {spawn.Slot} #{spawn.Generation} on {spawn.Device}: {reason}");
        Sender.Tell(new SpawnRefused(spawn.Device, spawn.Group, spawn.Slot, spawn.Generation, reason), Self);
    }

    private void OnTerminated(Terminated terminated)
    {
        foreach (var (device, running) in _byDevice.ToList())
        {
            if (running.Worker.Equals(terminated.ActorRef))
            {
                _byDevice.Remove(device);
                running.Placement.Tell(new WorkerStopped(device, running.Spawn.Group, running.Spawn.Slot, running.Spawn.Generation), Self);
            }
            else if (running.Spawn.GroupRef.Equals(terminated.ActorRef))
            {
                _log.Info($"group {running.Spawn.Group} is gone ({(terminated.AddressTerminated ? "its node left" : "stopped")}); stopping its worker on {device}");
                Context.Stop(running.Worker);
            }
        }
    }
}
