using Akka.Actor;
using Akka.Event;
using ActorCodistill.Workers.Actors;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Job;

/// <summary>
/// Owns the job: event-sourced state (journalled before it is acted on), the groups and their
/// broadcasters, burn-in bookkeeping, the topology (who reads whose checkpoints), reconfiguration at
/// step boundaries, and what happens when workers fail. Progress goes to an <see cref="IRunObserver"/>.
/// <para>Phases: Running -> Stopping -> Finished (Become-switched; the job state records them too).</para>
/// </summary>
public sealed class CoordinatorActor : ReceiveActor
{
    private readonly JobSpec _spec;
    private readonly string _jobId;
    private readonly IJobJournal _journal;
    private readonly IRunObserver _observer;
    private readonly IActorRef _owner;
    private readonly IWorkerPlacement _placement;
    private readonly IGroupCheckpoints _checkpoints;

    private JobState _state = JobState.Empty;
    private readonly IActorRef[] _groups;
    private readonly Dictionary<int, long> _groupSteps = new();
    private readonly HashSet<int> _finished = new();
    private readonly Queue<string> _recent = new();
    private readonly Dictionary<int, long> _broadcastBytes = new();
    private long _allreduceBytes;
    // The topologies the broadcasters serve, each from its step on: until every group has begun the step of the next
    // one, a broadcaster pushes to the readers of both (a group needs its old teachers' copies up to the switch and its
    // new teachers' copies from the boundary before it).
    private readonly List<(long AtStep, TopologyKind Topology)> _wiring = new();

    public CoordinatorActor(JobSpec spec, string jobId, IJobJournal journal, IRunObserver observer, IActorRef owner,
        IWorkerPlacement placement, IGroupCheckpoints checkpoints)
    {
        _spec = spec;
        _jobId = jobId;
        _journal = journal;
        _observer = observer;
        _owner = owner;
        _placement = placement;
        _checkpoints = checkpoints;
        _groups = new IActorRef[spec.Groups];
        Running();
    }

    /// <param name="placement">Where workers run: null = children of their groups in this process (the embedded run).</param>
    /// <param name="checkpoints">Where groups keep recovery checkpoints: null = in memory.</param>
    public static Props Props(JobSpec spec, string jobId, IJobJournal journal, IRunObserver observer, IActorRef owner,
        IWorkerFaults? fault = null, IWorkerPlacement? placement = null, IGroupCheckpoints? checkpoints = null) =>
        Akka.Actor.Props.Create(() => new CoordinatorActor(spec, jobId, journal, observer, owner,
            placement ?? new ChildPlacement(fault), checkpoints ?? new InMemoryGroupCheckpoints()));

    protected override void PreStart()
    {
        // Recover what the journal knows (a restarted coordinator keeps the reconfigured topology etc.).
        foreach (var e in _journal.Load(_jobId)) _state = _state.Apply(e);
        if (_state.Phase == JobPhase.Created)
            Persist(new JobStarted(_jobId, _spec.Baseline, _spec.Groups, _spec.Topology, _spec.ReloadInterval, _spec.Distill.Weight, _spec.Steps));
        else
            Note(-1, 0, $"recovered job {_jobId} from the journal: topology {Topology.Name(_state.Topology)}, reload interval {_state.ReloadInterval}, weight {_state.DistillWeight}");
        // An operator's drains outlive a seed restart: the new placement hears them before any worker is placed.
        foreach (var node in _state.DrainedNodes.Order(StringComparer.Ordinal))
        {
            _placement.Drain(node);
            Note(-1, 0, $"{node} stays drained (journal)");
        }

        // The groups start from the job's first settings and get every scheduled change again, each for its step: a
        // group resuming from a checkpoint applies the ones before it at its first step and the rest where they belong.
        var start = _state.Start!;
        var spec = _spec with
        {
            Topology = start.Topology,
            ReloadInterval = start.ReloadInterval,
            Distill = _spec.Distill with { Weight = start.DistillWeight },
        };
        // Where the groups resume is decided once, from the checkpoints that verify (each file read once, not once per group).
        var resume = ResumePlan.Decide(spec, _checkpoints);
        for (var g = 0; g < spec.Groups; g++)
        {
            var groupStart = new GroupStart(TeachersOf(start.Topology, g), _state.Schedule.Select(change => ToGroup(change, g)).ToArray());
            _groups[g] = Context.ActorOf(GroupActor.Props(spec, g, Self, groupStart, _placement, _checkpoints, resume), $"group-{g}");
            _groupSteps[g] = 0;
        }
        _wiring.Add((0, start.Topology));
        foreach (var change in _state.Schedule.Where(c => c.Topology is not null)) _wiring.Add((change.AtStep, change.Topology!.Value));
        Rewire();
    }

    private void SendToGroups(SettingChange change)
    {
        for (var g = 0; g < _spec.Groups; g++) _groups[g].Tell(ToGroup(change, g), Self);
    }

    private GroupReconfigure ToGroup(SettingChange change, int g) =>
        new(change.Topology is { } t ? TeachersOf(t, g) : null, change.ReloadInterval, change.DistillWeight, change.AtStep);

    private IReadOnlyList<int> TeachersOf(TopologyKind topology, int group) =>
        _spec.Baseline ? [] : Topology.TeachersOf(topology, group, _spec.Groups);

    // Each group's broadcaster pushes to the groups that read from it in any topology still in use (_wiring).
    private void Rewire()
    {
        for (var g = 0; g < _spec.Groups; g++)
        {
            var readers = _spec.Baseline
                ? []
                : _wiring.SelectMany(w => Topology.ReadersOf(w.Topology, g, _spec.Groups)).Distinct().Order().Select(r => _groups[r]).ToArray();
            _groups[g].Tell(new BroadcastTargets(readers), Self);
        }
    }

    // Drops the topologies every group has moved past.
    private void NarrowWiring()
    {
        var slowest = _groupSteps.Values.Min();
        var obsolete = 0;
        while (obsolete + 1 < _wiring.Count && _wiring[obsolete + 1].AtStep <= slowest) obsolete++;
        if (obsolete == 0) return;
        _wiring.RemoveRange(0, obsolete);
        Rewire();
    }

    // The highest step any group is known to have completed (after a restart, the journal's checkpoints until the
    // groups report).
    private long Frontier() =>
        Math.Max(_groupSteps.Values.DefaultIfEmpty(0).Max(), _state.CheckpointedSteps.Values.DefaultIfEmpty(0).Max());

    private void Persist(JobEvent e)
    {
        _journal.Append(_jobId, e);
        _state = _state.Apply(e);
    }

    private void Note(int group, long step, string message)
    {
        _recent.Enqueue(group < 0 ? message : $"group {group} @ {step}: {message}");
        while (_recent.Count > 20) _recent.Dequeue();
        _observer.OnEvent(group, step, message);
    }

    private JobStatus Status() => new(_jobId, _state.Phase, _state.Topology, _state.ReloadInterval, _state.DistillWeight,
        new Dictionary<int, long>(_groupSteps), _spec.Steps, _recent.ToArray())
    {
        GroupMembers = new Dictionary<int, int>(_groupMembers),
    };

    private readonly Dictionary<int, int> _groupMembers = new();
    private readonly Dictionary<int, string> _groupFailures = new();

    // ---- phases ----

    private void Running()
    {
        Become(() =>
        {
            Receive<GroupStepCompleted>(OnGroupStep);
            Receive<GroupEvent>(OnGroupEvent);
            Receive<BroadcastStats>(stats =>
            {
                _broadcastBytes[stats.Group] = stats.BytesSent;
                _observer.OnBroadcast(stats.Group, stats.Checkpoints, stats.BytesSent);
            });
            Receive<GroupFinished>(OnGroupFinished);
            Receive<ChangeTopology>(change => Schedule(change, at =>
            {
                Persist(new TopologyChanged(change.Topology, at));
                _wiring.Add((at, change.Topology));
                Rewire();
                return $"topology changes to {Topology.Name(change.Topology)}";
            }));
            Receive<ChangeReloadInterval>(change => Schedule(change, at =>
            {
                Persist(new ReloadIntervalChanged(change.Steps, at));
                return $"reload interval changes to {change.Steps}";
            }));
            Receive<ChangeDistillWeight>(change => Schedule(change, at =>
            {
                Persist(new DistillWeightChanged(change.Weight, at));
                return $"distillation weight changes to {change.Weight}";
            }));
            Receive<DrainNode>(drain => Reconfigure(drain, () =>
            {
                Persist(new NodeDrained(drain.NodeAddress));
                _placement.Drain(drain.NodeAddress);
                foreach (var g in _groups) g.Tell(new ReleaseMembersOn(drain.NodeAddress, "drained by an operator"), Self);
                return $"draining {drain.NodeAddress}: its workers move at the next step boundary";
            }));
            Receive<StopJob>(stop =>
            {
                Persist(new JobStopRequested(stop.Reason));
                Note(-1, 0, $"stop requested: {stop.Reason}");
                foreach (var g in _groups) g.Tell(new StopGroup(), Self);
                Sender.Tell(new ReconfigureResult(true, "stopping at the next step boundary"), Self);
            });
            Receive<GetStatus>(_ => Sender.Tell(Status(), Self));
        });
    }

    // A topology, reload-interval or weight change: journalled with the step every group applies it at, then sent.
    private void Schedule(ScheduledChange change, Func<long, string> persist)
    {
        var (at, error) = _state.Refuse(change) is { } reason ? (0, reason) : ReconfigureSchedule.At(_state, change, Frontier());
        if (error is not null)
        {
            Sender.Tell(new ReconfigureResult(false, error), Self);
            return;
        }
        var message = $"{persist(at)} at step {at}";
        SendToGroups(_state.Schedule[^1]);
        Note(-1, 0, message + " (in every group)");
        Sender.Tell(new ReconfigureResult(true, message, at), Self);
    }

    private void Reconfigure(CoordinatorMessage change, Func<string> apply)
    {
        if (_state.Refuse(change) is { } reason)
        {
            Sender.Tell(new ReconfigureResult(false, reason), Self);
            return;
        }
        var message = apply();
        Note(-1, 0, message + " (applies at each group's next step boundary)");
        Sender.Tell(new ReconfigureResult(true, message), Self);
    }

    private void OnGroupStep(GroupStepCompleted step)
    {
        _groupSteps[step.Group] = step.Step;
        _groupMembers[step.Group] = step.Members;
        _allreduceBytes += step.AllreduceBytes;
        if (step.DistillOn && !_state.DistillingGroups.Contains(step.Group))
        {
            Persist(new DistillationEnabled(step.Group, step.Step));
            Note(step.Group, step.Step, "burn-in over: distillation on");
        }
        if (_state.ReloadIntervalAt(step.Step) is var interval && interval > 0 && step.Step % interval == 0) Persist(new GroupCheckpointed(step.Group, step.Step));
        if (_wiring.Count > 1) NarrowWiring();
        _observer.OnStep(step);
    }

    private void OnGroupEvent(GroupEvent e)
    {
        if (e.Kind == GroupEventKind.WorkerFailed) Persist(new WorkerFailed(e.Group, e.Step, e.Message));
        Note(e.Group, e.Step, e.Message);
    }

    private void OnGroupFinished(GroupFinished finished)
    {
        _finished.Add(finished.Group);
        _groupSteps[finished.Group] = finished.Steps;
        if (finished.Failure is { } failure) _groupFailures[finished.Group] = failure;
        if (_finished.Count < _spec.Groups) return;
        // A job a group gave up on is not finished: the same run folder resumes from its checkpoints once the cause is fixed.
        if (_groupFailures.Count == 0) Persist(new JobFinished(new Dictionary<int, long>(_groupSteps)));
        else Note(-1, 0, $"the job ends unfinished: {string.Join("; ", _groupFailures.OrderBy(f => f.Key).Select(f => f.Value))}");
        Become(() =>
        {
            Receive<GetStatus>(_ => Sender.Tell(Status(), Self));
            ReceiveAny(_ => { });
        });
        _owner.Tell(new JobCompleted(_jobId, Status(), _broadcastBytes.Values.Sum(), _allreduceBytes)
        {
            Failures = _groupFailures.OrderBy(f => f.Key).Select(f => f.Value).ToArray(),
        }, Self);
    }
}
