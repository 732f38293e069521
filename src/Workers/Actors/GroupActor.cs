using ActorCodistill.Cluster.Actors;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Workers.Actors;

/// <summary>
/// One group of the job: synchronous data parallelism over its worker actors. It drives the steps
/// (one <see cref="StepPlan"/> per step to every member; the members ring-allreduce among themselves),
/// decides at each step boundary what changes (burn-in over, teacher reloads every reload interval,
/// reconfiguration), hands rank 0's float16 checkpoints to its broadcaster, and restarts a failed
/// worker from the group's last state.
/// <para>Phases: Starting (members building models) -> Running -> Recovering -> Running ... -> Finished.</para>
/// </summary>
public sealed class GroupActor : ReceiveActor
{
    private readonly JobSpec _spec;
    private readonly int _group;
    private readonly IActorRef _coordinator;
    private readonly FaultInjection? _fault;
    private readonly IActorRef?[] _members;
    private readonly IActorRef _broadcaster;

    private IReadOnlyList<int> _teacherGroups = [];
    private long _reloadInterval;
    private DistillSpec _distill;
    private GroupReconfigure? _pendingChange;

    // Newest checkpoint received from each teacher group, and the ones the members currently hold.
    private readonly Dictionary<int, TeacherCheckpoint> _arrived = new();
    private readonly Dictionary<int, TeacherCheckpoint> _loaded = new();

    private int _epoch;
    private long _step;
    private StepPlan? _inFlight;
    private readonly Dictionary<int, StepDone> _done = new();
    private readonly HashSet<IActorRef> _ready = new();
    private Exception? _lastFailure;
    private int _recoveringSlot = -1;
    private int _restarts;

    public GroupActor(JobSpec spec, int group, IActorRef coordinator, FaultInjection? fault = null)
    {
        _spec = spec;
        _group = group;
        _coordinator = coordinator;
        _fault = fault;
        _reloadInterval = spec.ReloadInterval;
        _distill = spec.Distill;
        _members = new IActorRef?[spec.WorkersPerGroup];
        _broadcaster = Context.ActorOf(CheckpointBroadcastActor.Props(group, coordinator), "broadcast");
        Starting();
    }

    public static Props Props(JobSpec spec, int group, IActorRef coordinator, FaultInjection? fault = null) =>
        Cluster.Actors.Props.Create(() => new GroupActor(spec, group, coordinator, fault));

    public IActorRef Broadcaster => _broadcaster;

    // A worker that throws is stopped and replaced; the decider only remembers why.
    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(ex =>
        {
            _lastFailure = ex;
            return Directive.Stop;
        });

    protected override void PreStart()
    {
        for (var slot = 0; slot < _members.Length; slot++) Spawn(slot);
    }

    private void Spawn(int slot)
    {
        var worker = Context.ActorOf(WorkerActor.Props(_spec, _group, slot, _fault), $"worker-{slot}-{_restarts}");
        Context.Watch(worker);
        _members[slot] = worker;
    }

    // ---- phases ----

    private void Starting()
    {
        Become(() =>
        {
            Receive<WorkerReady>(ready =>
            {
                _ready.Add(Sender);
                if (_ready.Count == _members.Length) StartRing();
            });
            Receive<StartGroup>(start => _teacherGroups = start.TeacherGroups);
            CommonHandlers();
        }, "Starting");
    }

    private void StartRing()
    {
        _epoch++;
        var ring = new RingMembers(_epoch, _members.Select(m => m!).ToArray());
        foreach (var m in _members) m!.Tell(ring, Self);
        Running();
        if (_inFlight is null) NextStep();
        else Resend();
    }

    private void Running()
    {
        Become(() =>
        {
            Receive<StepDone>(OnStepDone);
            Receive<Terminated>(OnWorkerTerminated);
            CommonHandlers();
        }, "Running");
    }

    private void Recovering()
    {
        Become(() =>
        {
            Receive<WorkerState>(state =>
            {
                // A survivor's state is the group's last state (every member applied the same steps).
                _members[_recoveringSlot]!.Tell(new RestoreState(state), Self);
            });
            Receive<WorkerReady>(ready =>
            {
                if (!Sender.Equals(_members[_recoveringSlot])) return;
                if (_ready.Add(Sender) && _ready.Count == 1)
                {
                    // Freshly built: fetch the last state from a survivor before it can join the ring.
                    var survivor = _members.Where((m, i) => i != _recoveringSlot).First()!;
                    survivor.Tell(new ExportState(_epoch), Self);
                    return;
                }
                Report($"worker slot {_recoveringSlot} restored at step {_step - 1}; step {_step} is retried by all {_members.Length} members");
                _recoveringSlot = -1;
                StartRing();
            });
            Receive<StepDone>(done => { /* a survivor can finish nothing while a member is missing; stale */ });
            Receive<Terminated>(OnWorkerTerminated);
            CommonHandlers();
        }, "Recovering");
    }

    private void Finished()
    {
        Become(() =>
        {
            Receive<Terminated>(_ => { });
            Receive<StepDone>(_ => { });
            CommonHandlers();
        }, "Finished");
    }

    private void CommonHandlers()
    {
        Receive<TeacherCheckpointArrived>(arrived =>
        {
            var c = arrived.Checkpoint;
            if (!_arrived.TryGetValue(c.Group, out var old) || old.Step < c.Step) _arrived[c.Group] = c;
        });
        Receive<GroupReconfigure>(change => _pendingChange = Merge(_pendingChange, change));
        Receive<BroadcastTargets>(targets => _broadcaster.Forward(targets, Context));
        Receive<GetBroadcastStats>(get => _broadcaster.Forward(get, Context));
        Receive<StopGroup>(_ =>
        {
            Finished();
            _coordinator.Tell(new GroupFinished(_group, _step - (_inFlight is null ? 0 : 1)), Self);
        });
    }

    private static GroupReconfigure Merge(GroupReconfigure? earlier, GroupReconfigure later) =>
        earlier is null ? later : new GroupReconfigure(
            later.TeacherGroups ?? earlier.TeacherGroups,
            later.ReloadInterval ?? earlier.ReloadInterval,
            later.DistillWeight ?? earlier.DistillWeight);

    // ---- steps ----

    private void NextStep()
    {
        if (_step >= _spec.Steps)
        {
            Finished();
            _coordinator.Tell(new GroupFinished(_group, _step), Self);
            return;
        }
        _step++;
        ApplyPendingChange();

        // Reload boundary: after every reload-interval steps, the members swap in the newest copies.
        var boundary = (_step - 1) % _reloadInterval == 0;
        var load = new List<TeacherCheckpoint>();
        if (boundary)
            foreach (var g in _teacherGroups)
                if (_arrived.TryGetValue(g, out var c) && (!_loaded.TryGetValue(g, out var held) || held.Step < c.Step))
                {
                    load.Add(c);
                    _loaded[g] = c;
                }
        foreach (var g in _loaded.Keys.Where(g => !_teacherGroups.Contains(g)).ToList()) _loaded.Remove(g);

        var distillOn = _spec.DistillActiveAt(_step) && _loaded.Count > 0 && _distill.Weight != 0;
        var evaluate = _spec.EvalInterval > 0 && (_step % _spec.EvalInterval == 0 || _step == _spec.Steps);
        _inFlight = new StepPlan(_step, _epoch, distillOn, _distill, load, _teacherGroups,
            ExportCheckpoint: false, Evaluate: false, CollectPredictions: false);
        _done.Clear();
        for (var slot = 0; slot < _members.Length; slot++)
        {
            // Rank 0 (slot 0 while the group is whole) exports checkpoints and evaluates.
            var lead = slot == 0;
            var plan = _inFlight with
            {
                ExportCheckpoint = lead && !_spec.Baseline && _spec.Groups > 1 && _step % _reloadInterval == 0,
                Evaluate = lead && evaluate,
                CollectPredictions = lead && _step == _spec.Steps,
            };
            _members[slot]!.Tell(plan, Self);
        }
    }

    // After a recovery the same step is sent again, carrying every teacher copy the group holds so a
    // replacement worker has them too (survivors keep theirs and their computed gradients).
    private void Resend()
    {
        _done.Clear();
        _inFlight = _inFlight! with { Epoch = _epoch, LoadTeachers = _loaded.Values.ToArray() };
        for (var slot = 0; slot < _members.Length; slot++)
        {
            var lead = slot == 0;
            var evaluate = _spec.EvalInterval > 0 && (_step % _spec.EvalInterval == 0 || _step == _spec.Steps);
            _members[slot]!.Tell(_inFlight with
            {
                ExportCheckpoint = lead && !_spec.Baseline && _spec.Groups > 1 && _step % _reloadInterval == 0,
                Evaluate = lead && evaluate,
                CollectPredictions = lead && _step == _spec.Steps,
            }, Self);
        }
    }

    private void ApplyPendingChange()
    {
        if (_pendingChange is not { } change) return;
        _pendingChange = null;
        var what = new List<string>();
        if (change.TeacherGroups is { } teachers)
        {
            _teacherGroups = teachers;
            what.Add($"teachers [{string.Join(",", teachers)}]");
        }
        if (change.ReloadInterval is { } interval)
        {
            _reloadInterval = interval;
            what.Add($"reload interval {interval}");
        }
        if (change.DistillWeight is { } weight)
        {
            _distill = _distill with { Weight = weight };
            what.Add($"distillation weight {weight}");
        }
        Report($"applied at step {_step}: {string.Join(", ", what)}");
    }

    private void OnStepDone(StepDone done)
    {
        if (_inFlight is null || done.Step != _inFlight.Step || done.Epoch != _epoch) return;
        _done[done.Rank] = done;
        if (_done.Count < _members.Length) return;

        var all = _done.Values.ToList();
        var examples = all.Sum(d => d.Losses.Examples);
        var losses = new StepLosses(
            all.Average(d => d.Losses.Loss), all.Average(d => d.Losses.TaskLoss), all.Average(d => d.Losses.DistillLoss), examples);
        var stepSeconds = all.Max(d => d.StepSeconds);
        var lead = all.First(d => d.Rank == 0);
        if (lead.Checkpoint is { } checkpoint) _broadcaster.Tell(new PublishCheckpoint(checkpoint), Self);
        _coordinator.Tell(new GroupStepCompleted(_group, done.Step, losses, _inFlight.DistillOn,
            stepSeconds > 0 ? examples / stepSeconds : 0, stepSeconds, all.Sum(d => d.AllreduceBytes),
            lead.TeacherAges, lead.ValidationLoss, lead.Predictions), Self);
        NextStep();
    }

    private void OnWorkerTerminated(Terminated terminated)
    {
        var slot = Array.FindIndex(_members, m => m is not null && m.Equals(terminated.ActorRef));
        if (slot < 0) return;
        _restarts++;
        var reason = _lastFailure?.Message ?? "stopped";
        Report($"worker slot {slot} failed at step {_step} ({reason}); restarting it from the group's last state");
        _lastFailure = null;
        if (_restarts > 10 * _members.Length)
        {
            Report("too many worker failures; the group stops");
            Finished();
            _coordinator.Tell(new GroupFinished(_group, _step - 1), Self);
            return;
        }
        _recoveringSlot = slot;
        _ready.Clear();
        Spawn(slot);
        Recovering();
    }

    private void Report(string message)
    {
        Log.Info($"group {_group}: {message}");
        _coordinator.Tell(new GroupEvent(_group, _step, message), Self);
    }
}
