using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using ActorCodistill.Workers.Actors;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Job;

/// <summary>
/// Owns the job: event-sourced state on Akka.Persistence (<see cref="JobJournal"/>: every event is journalled before it
/// is acted on; a restarted coordinator recovers the job from its journal), the groups and their
/// broadcasters, burn-in bookkeeping, the topology (who reads whose checkpoints), reconfiguration at
/// step boundaries, and what happens when workers fail. Progress goes to an <see cref="IRunObserver"/>.
/// <para>Phases: Running -> Stopping -> Finished (Become-switched; the job state records them too).</para>
/// </summary>
public sealed class CoordinatorActor : ReceivePersistentActor
{
    private readonly JobSpec _spec;
    private readonly string _jobId;
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

    public CoordinatorActor(JobSpec spec, string jobId, IRunObserver observer, IActorRef owner,
        IWorkerPlacement placement, IGroupCheckpoints checkpoints)
    {
        _spec = spec;
        _jobId = jobId;
        PersistenceId = JobJournal.PersistenceId(jobId);
        _observer = observer;
        _owner = owner;
        _placement = placement;
        _checkpoints = checkpoints;
        _groups = new IActorRef[spec.Groups];
        // Recover what the journal knows (a restarted coordinator keeps the reconfigured topology etc.), then start.
        Recover<JobEvent>(e => _state = _state.Apply(e));
        Recover<RecoveryCompleted>(_ => Start());
        Running();
    }

    public override string PersistenceId { get; }

    /// <param name="placement">Where workers run: null = children of their groups in this process (the embedded run).</param>
    /// <param name="checkpoints">Where groups keep recovery checkpoints: null = in memory.</param>
    /// <param name="placement">Where workers run: null = children of their groups in this process (the embedded run).</param>
    /// <param name="checkpoints">Where groups keep recovery checkpoints: null = in memory.</param>
    public static Props Props(JobSpec spec, string jobId, IRunObserver observer, IActorRef owner,
        IWorkerFaults? fault = null, IWorkerPlacement? placement = null, IGroupCheckpoints? checkpoints = null) =>
        Akka.Actor.Props.Create(() => new CoordinatorActor(spec, jobId, observer, owner,
            placement ?? new ChildPlacement(fault), checkpoints ?? new InMemoryGroupCheckpoints()));

    private void Start()
    {
        if (_state.Phase == JobPhase.Created)
        {
            Record(new JobStarted(_jobId, _spec.Baseline, _spec.Groups, _spec.Topology, _spec.ReloadInterval, _spec.Distill.Weight, _spec.Steps),
                StartGroups);
            return;
        }
        Note(-1, 0, $"recovered job {_jobId} from the journal: topology {Topology.Name(_state.Topology)}, reload interval {_state.ReloadInterval}, weight {_state.DistillWeight}");
        StartGroups();
    }

    // The journal could not be read or written: the job cannot go on safely; its owner hears why (the run stops, resumable).
    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        ReportJournalFailure($"the job's journal could not be read: {reason.Message}");
        base.OnRecoveryFailure(reason, message);
    }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        ReportJournalFailure($"the job's journal refused event #{sequenceNr} ({@event.GetType().Name}): {cause.Message}");
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        ReportJournalFailure($"the job's journal rejected event #{sequenceNr} ({@event.GetType().Name}): {cause.Message}");
        base.OnPersistRejected(cause, @event, sequenceNr);
    }

    private void ReportJournalFailure(string why)
    {
        Note(-1, 0, why);
        _owner.Tell(new JobCompleted(_jobId, Status(), _broadcastBytes.Values.Sum(), _allreduceBytes) { Failures = [why] }, Self);
    }

    // A job its groups cannot be started for (a spec that passed the reader but not the topology, a journal history that
    // names what this spec cannot run) ends, failed, with the reason: thrown out of the actor, the coordinator was
    // restarted, recovered the journal and threw again, forever (seen 2026-12-08 with a one-group pairwise job).
    private void StartGroups()
    {
        try
        {
            StartGroupsOrThrow();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            var failure = $"the job's groups could not be started: {e.Message}";
            Note(-1, 0, failure);
            _groupFailures[-1] = failure;
            Complete();
        }
    }

    private void StartGroupsOrThrow()
    {
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

    // Journals e, applies it to the job's state, then acts (commands wait in the stash meanwhile).
    private void Record(JobEvent e, Action? then = null) =>
        Persist(e, journalled =>
        {
            _state = _state.Apply(journalled);
            then?.Invoke();
        });

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
            Command<GroupStepCompleted>(OnGroupStep);
            Command<GroupEvent>(OnGroupEvent);
            Command<BroadcastStats>(stats =>
            {
                _broadcastBytes[stats.Group] = stats.BytesSent;
                _observer.OnBroadcast(stats.Group, stats.Checkpoints, stats.BytesSent);
            });
            Command<GroupFinished>(OnGroupFinished);
            Command<ChangeTopology>(change => Schedule(change, at => new TopologyChanged(change.Topology, at), at =>
            {
                _wiring.Add((at, change.Topology));
                Rewire();
                return $"topology changes to {Topology.Name(change.Topology)}";
            }));
            Command<ChangeReloadInterval>(change => Schedule(change, at => new ReloadIntervalChanged(change.Steps, at),
                _ => $"reload interval changes to {change.Steps}"));
            Command<ChangeDistillWeight>(change => Schedule(change, at => new DistillWeightChanged(change.Weight, at),
                _ => $"distillation weight changes to {change.Weight}"));
            Command<DrainNode>(drain => Reconfigure(drain, new NodeDrained(drain.NodeAddress), () =>
            {
                _placement.Drain(drain.NodeAddress);
                foreach (var g in _groups) g.Tell(new ReleaseMembersOn(drain.NodeAddress, "drained by an operator"), Self);
                return $"draining {drain.NodeAddress}: its workers move at the next step boundary";
            }));
            Command<StopJob>(stop =>
            {
                var replyTo = Sender;
                Record(new JobStopRequested(stop.Reason), () =>
                {
                    Note(-1, 0, $"stop requested: {stop.Reason}");
                    foreach (var g in _groups) g.Tell(new StopGroup(), Self);
                    replyTo.Tell(new ReconfigureResult(true, "stopping at the next step boundary"), Self);
                });
            });
            Command<GetStatus>(_ => Sender.Tell(Status(), Self));
        });
    }

    // A topology, reload-interval or weight change: journalled with the step every group applies it at, then sent.
    private void Schedule(ScheduledChange change, Func<long, JobEvent> eventAt, Func<long, string> apply)
    {
        var (at, error) = _state.Refuse(change) is { } reason ? (0, reason) : ReconfigureSchedule.At(_state, change, Frontier());
        var replyTo = Sender;
        if (error is not null)
        {
            replyTo.Tell(new ReconfigureResult(false, error), Self);
            return;
        }
        Record(eventAt(at), () =>
        {
            var message = $"{apply(at)} at step {at}";
            SendToGroups(_state.Schedule[^1]);
            Note(-1, 0, message + " (in every group)");
            replyTo.Tell(new ReconfigureResult(true, message, at), Self);
        });
    }

    private void Reconfigure(CoordinatorMessage change, JobEvent e, Func<string> apply)
    {
        var replyTo = Sender;
        if (_state.Refuse(change) is { } reason)
        {
            replyTo.Tell(new ReconfigureResult(false, reason), Self);
            return;
        }
        Record(e, () =>
        {
            var message = apply();
            Note(-1, 0, message + " (applies at each group's next step boundary)");
            replyTo.Tell(new ReconfigureResult(true, message), Self);
        });
    }

    private void OnGroupStep(GroupStepCompleted step)
    {
        _groupSteps[step.Group] = step.Step;
        _groupMembers[step.Group] = step.Members;
        _allreduceBytes += step.AllreduceBytes;
        if (step.DistillOn && !_state.DistillingGroups.Contains(step.Group))
            Record(new DistillationEnabled(step.Group, step.Step), () => Note(step.Group, step.Step, "burn-in over: distillation on"));
        if (_state.ReloadIntervalAt(step.Step) is var interval && interval > 0 && step.Step % interval == 0) Record(new GroupCheckpointed(step.Group, step.Step));
        if (_wiring.Count > 1) NarrowWiring();
        _observer.OnStep(step);
    }

    private void OnGroupEvent(GroupEvent e)
    {
        if (e.Kind == GroupEventKind.WorkerFailed) Record(new WorkerFailed(e.Group, e.Step, e.Message), () => Note(e.Group, e.Step, e.Message));
        else Note(e.Group, e.Step, e.Message);
    }

    private void OnGroupFinished(GroupFinished finished)
    {
        _finished.Add(finished.Group);
        _groupSteps[finished.Group] = finished.Steps;
        if (finished.Failure is { } failure) _groupFailures[finished.Group] = failure;
        if (_finished.Count < _spec.Groups) return;
        // A job a group gave up on is not finished: the same run folder resumes from its checkpoints once the cause is fixed.
        if (_groupFailures.Count == 0) Record(new JobFinished(new Dictionary<int, long>(_groupSteps)), Complete);
        else
        {
            Note(-1, 0, $"the job ends unfinished: {string.Join("; ", _groupFailures.OrderBy(f => f.Key).Select(f => f.Value))}");
            Complete();
        }
    }

    private void Complete()
    {
        Become(() =>
        {
            Command<GetStatus>(_ => Sender.Tell(Status(), Self));
            CommandAny(_ => { });
        });
        _owner.Tell(new JobCompleted(_jobId, Status(), _broadcastBytes.Values.Sum(), _allreduceBytes)
        {
            Failures = _groupFailures.OrderBy(f => f.Key).Select(f => f.Value).ToArray(),
        }, Self);
    }
}
