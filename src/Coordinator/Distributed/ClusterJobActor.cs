using Akka.Actor;
using Akka.Event;
using ActorCodistill.Coordinator.Job;
using ActorCodistill.Workers.Actors;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Distributed;

/// <summary>
/// The seed's job (<c>/user/job</c>): owns the slot placement, starts the <see cref="CoordinatorActor"/> once the
/// worker nodes offer <c>min-workers</c> device slots (start order of seed and workers does not matter), and is the
/// address the ctl client talks to: before the start it answers status itself and refuses changes with the reason;
/// after, it forwards them to the coordinator (draining a node also stops placing on it).
/// </summary>
public sealed class ClusterJobActor : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly JobSpec _spec;
    private readonly string _jobId;
    private readonly int _minWorkers;
    private readonly Func<IWorkerPlacement, Props> _coordinatorProps;
    private readonly IActorRef _placement;
    private IActorRef? _coordinator;
    private SlotsChanged _slots = new(0, 0, 0);

    /// <param name="slots">The seed's proxy to the worker slots (<see cref="ActorCodistill.Workers.Node.ClusterNode.Slots"/>).</param>
    public ClusterJobActor(JobSpec spec, string jobId, int minWorkers, Func<IWorkerPlacement, Props> coordinatorProps,
        IActorRef slots)
    {
        _spec = spec;
        _jobId = jobId;
        _minWorkers = minWorkers;
        _coordinatorProps = coordinatorProps;
        _placement = Context.ActorOf(SlotPlacementActor.Props(Self, slots), "placement");
        Waiting();
    }

    /// <param name="coordinatorProps">Given the cluster placement, the props of the job's coordinator (journal, observer, owner and checkpoints are the caller's).</param>
    public static Props Props(JobSpec spec, string jobId, int minWorkers, Func<IWorkerPlacement, Props> coordinatorProps,
        IActorRef slots) =>
        Akka.Actor.Props.Create(() => new ClusterJobActor(spec, jobId, minWorkers, coordinatorProps, slots));

    private void Waiting()
    {
        Become(() =>
        {
            Receive<SlotsChanged>(slots =>
            {
                _slots = slots;
                _log.Info($"job {_jobId}: {slots.Slots} device slots on {slots.Nodes} worker nodes ({_minWorkers} needed to start)");
                if (slots.Slots >= _minWorkers) Start();
            });
            Receive<GetStatus>(_ => Sender.Tell(WaitingStatus(), Self));
            Receive<CoordinatorMessage>(_ =>
                Sender.Tell(new ReconfigureResult(false, $"the job has not started: {_slots.Slots} of {_minWorkers} device slots are up"), Self));
        });
    }

    private void Start()
    {
        _log.Info($"job {_jobId}: starting on {_slots.Slots} device slots");
        _coordinator = Context.ActorOf(_coordinatorProps(new RemotePlacement(_placement)), "coordinator");
        Become(() =>
        {
            Receive<SlotsChanged>(slots => _slots = slots);
            Receive<GetStatus>(_ =>
            {
                var replyTo = Sender;
                var placement = _placement.Ask<PlacementView>(new GetPlacement(), TimeSpan.FromSeconds(5));
                var status = _coordinator!.Ask<JobStatus>(new GetStatus(), TimeSpan.FromSeconds(5));
                Task.WhenAll(placement, status).ContinueWith(_ =>
                {
                    if (status.IsCompletedSuccessfully)
                        replyTo.Tell(status.Result with { Placement = placement.IsCompletedSuccessfully ? placement.Result.Lines : [] });
                    else
                        replyTo.Tell(new ReconfigureResult(false, $"the coordinator did not answer: {status.Exception?.InnerException?.Message}"));
                }, TaskScheduler.Default);
            });
            Receive<DrainNode>(drain =>
            {
                // A drain must name a worker node (issue 19, finding 8): the placement knows them.
                var replyTo = Sender;
                var coordinator = _coordinator!;
                _placement.Ask<DrainCheck>(new CheckDrain(drain.NodeAddress), TimeSpan.FromSeconds(5)).ContinueWith(check =>
                {
                    if (!check.IsCompletedSuccessfully)
                        replyTo.Tell(new ReconfigureResult(false, $"the placement did not answer: {check.Exception?.InnerException?.Message}"));
                    else if (check.Result.Refusal is { } refusal)
                        replyTo.Tell(new ReconfigureResult(false, refusal));
                    else
                        coordinator.Tell(drain with { NodeAddress = check.Result.Address ?? drain.NodeAddress }, replyTo);
                }, TaskScheduler.Default);
            });
            Receive<CoordinatorMessage>(m => _coordinator!.Forward(m));
        });
    }

    private JobStatus WaitingStatus() =>
        new(_jobId, JobPhase.Created, _spec.Topology, _spec.ReloadInterval, _spec.Distill.Weight, new Dictionary<int, long>(), _spec.Steps,
            [$"waiting for worker nodes: {_slots.Slots} of {_minWorkers} device slots up"]);
}
