using Akka.Actor;
using Akka.Event;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Workers.Actors;

/// <summary>
/// One group of the job: synchronous data parallelism over its worker actors. It drives the steps (one
/// <see cref="StepPlan"/> per step to every member; the members ring-allreduce among themselves), decides at
/// each step boundary what changes (burn-in over, teacher reloads every reload interval, reconfiguration),
/// hands rank 0's float16 checkpoints to its broadcaster, keeps recovery checkpoints, and regroups when
/// members fail, hang or come back.
/// <para>
/// Phases: Starting (members being placed and built) -> Reconciling -> Running -> (a member lost, hung, or a
/// replacement ready at a step boundary) Reconciling -> Running ... -> Finished; Paused while fewer than
/// min-workers-per-group members are alive.
/// </para>
/// <para>
/// Reconciling is the one path for every membership change: bump the epoch and probe every live member
/// (which aborts an allreduce it may wait in), take the most advanced survivor's applied step as the group's
/// (or, with no survivor, the newest recovery checkpoint), restore every member that is behind or fresh from
/// that state, then re-form the ring and retry, skip or roll back to the step that follows. So no step is
/// applied twice to the group's model, and members that answer no probe are fenced: given up, stopped, and
/// everything they send later belongs to an old epoch and is dropped.
/// </para>
/// <para>
/// One concern per file: this file holds the state, the phases and their handlers; membership and fencing
/// (<c>GroupActor.Membership.cs</c>), reconciling (<c>GroupActor.Reconciling.cs</c>), teacher copies and the exact
/// reload wait (<c>GroupActor.Teachers.cs</c>), and stepping with recovery checkpoints (<c>GroupActor.Steps.cs</c>).
/// </para>
/// </summary>
public sealed partial class GroupActor : ReceiveActor, IWithTimers
{
    public ITimerScheduler Timers { get; set; } = null!;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly JobSpec _spec;
    private readonly int _group;
    private readonly IActorRef _coordinator;
    private readonly IWorkerPlacement _placement;
    private readonly IGroupCheckpoints _checkpoints;
    private readonly FailureSpec _failures;
    private readonly IActorRef _broadcaster;

    // Members by slot: the live worker of each slot (null while missing), the incarnation asked for last, and
    // whether it holds the group's state (false for a replacement until it has been restored and admitted).
    private readonly IActorRef?[] _members;
    private readonly int[] _generation;
    private readonly bool[] _synced;
    private int[] _ringSlots = [];

    // Teacher groups, reload interval and distillation weight, with the changes scheduled and applied.
    private readonly GroupSettings _settings;
    // Whether this incarnation of the group has planned a step yet (changes that arrive before it are the job's
    // history, replayed after a restart, never late).
    private bool _planned;
    private string? _releaseNode;

    // The teacher copies: arrived, held by the members, kept for later boundaries and since the last checkpoint.
    private readonly TeacherCopies _copies;
    // reload-mode exact: the step of the boundary whose copies have not all arrived yet (0: not waiting).
    private long _awaitingCopiesFor;
    // reload-mode exact: the step whose awaited copies timed out, so its boundary loads the newest instead.
    private long _exactFallbackAt;
    private long _lastPublished;
    // With min-workers-per-group = workers-per-group: each slot's StepRecovery of its last step, and the copies the
    // members held in the last completed step, so that a replacement is restored where the lost member was.
    private readonly Dictionary<int, StepRecovery> _stepRecovery = new();
    private (long Step, IReadOnlyList<TeacherCheckpoint> Copies) _copiesAtLastStep = (0, []);

    private int _epoch;
    private long _step;
    private StepPlan? _inFlight;
    private readonly Dictionary<int, StepDone> _done = new();
    private string? _lastFailure;
    private int _failureCount;
    private bool _admitPending;

    // Recovery: the newest checkpoint (kept every checkpoint-interval steps), and the request ids of state exports.
    private ResumePlan? _resume;
    private GroupCheckpoint? _checkpoint;
    private bool _resumedFromCheckpoint;
    private long _resumedAt;
    private int _requestIds;
    // The recovery checkpoint being assembled from the members' answers.
    private readonly CheckpointAssembly _assembly;

    // Reconciling.
    private readonly Dictionary<int, long> _alive = new();
    // Losses of the step after the applied one (_alive) that probed members computed but could not apply (their ring broke).
    private readonly Dictionary<int, StepLosses> _computedLosses = new();
    private readonly HashSet<int> _probed = new();
    private int _stateRequest = -1;
    private int _stateSource = -1;
    private readonly HashSet<int> _awaitRestore = new();
    private long _target;
    private int _restoring;
    // A group that has lost every member restores them all from its recovery checkpoint (or starts again from scratch),
    // which holds each slot's own state: it waits for every slot, as at its start, and at most step-timeout once
    // min-workers-per-group are ready (whether that wait has begun, and whether it is over).
    private bool _everySlotWait;
    private bool _everySlotWaitOver;

    public GroupActor(JobSpec spec, int group, IActorRef coordinator, GroupStart start, IWorkerPlacement placement, IGroupCheckpoints checkpoints,
        ResumePlan? resume = null)
    {
        _spec = spec;
        _resume = resume;
        _group = group;
        _coordinator = coordinator;
        _placement = placement;
        _checkpoints = checkpoints;
        _failures = spec.Failures;
        _settings = new GroupSettings(spec);
        _settings.Start(spec.HasFixedTeacher ? [.. start.TeacherGroups, FixedTeacher.Group] : start.TeacherGroups);
        foreach (var change in start.History) _settings.Schedule(change, planned: false, 0);
        _assembly = new CheckpointAssembly(group);
        _copies = new TeacherCopies(spec.ReloadMode == ReloadMode.Exact, _failures.CheckpointInterval > 0);
        _members = new IActorRef?[spec.WorkersPerGroup];
        _generation = new int[spec.WorkersPerGroup];
        _synced = new bool[spec.WorkersPerGroup];
        _broadcaster = Context.ActorOf(CheckpointBroadcastActor.Props(group, coordinator), "broadcast");
        Starting();
    }

    /// <param name="resume">Where the job's groups resume (<see cref="ResumePlan.Decide"/>, made once for all of them by the
    /// coordinator); null: the group decides it from <paramref name="checkpoints"/> itself.</param>
    public static Props Props(JobSpec spec, int group, IActorRef coordinator, GroupStart start, IWorkerPlacement? placement = null,
        IGroupCheckpoints? checkpoints = null, ResumePlan? resume = null) =>
        Akka.Actor.Props.Create(() => new GroupActor(spec, group, coordinator, start, placement ?? new ChildPlacement(),
            checkpoints ?? new InMemoryGroupCheckpoints(), resume)).WithMailbox(ActorCodistill.Cluster.Bootstrap.AkkaNodeOptions.ProductMailbox);

    // A worker that throws is stopped and replaced; the decider only remembers why.
    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(ex =>
        {
            _lastFailure = ex.Message;
            return Directive.Stop;
        });

    protected override void PreStart()
    {
        // Reload-mode exact: every group resumes from the newest step all groups have an intact checkpoint of, so that
        // each re-runs its boundaries with the copies the others take again (a group resumed further on would not send
        // the copies of the steps in between again, and the one behind would wait for them and load the newest). A
        // damaged checkpoint does not count: the plan verified every file. No such step: every group starts from scratch.
        var resume = _resume ??= ResumePlan.Decide(_spec, _checkpoints);
        if (resume.Common is not { } common)
        {
            _checkpoint = _checkpoints.LoadLatest(_group, skipped => Report($"skipped a damaged recovery checkpoint: {skipped}", warning: true));
            if (_checkpoint is not null) Report($"resuming from the recovery checkpoint of step {_checkpoint.Step}", GroupEventKind.RolledBack);
        }
        else
        {
            foreach (var damaged in resume.DamagedOf(_group)) Report($"skipped a damaged recovery checkpoint: {damaged}", warning: true);
            var newest = resume.IntactOf(_group).DefaultIfEmpty(0).Max();
            if (common > 0)
            {
                _checkpoint = _checkpoints.LoadLatest(_group, skipped => Report($"skipped a damaged recovery checkpoint: {skipped}", warning: true), common);
                if (_checkpoint?.Step == common)
                    Report($"resuming from the recovery checkpoint of step {common}" +
                           (newest > common ? $" (the newest step every group has one of; its own newest is of step {newest})" : ""), GroupEventKind.RolledBack);
                else
                    // Damaged since the plan verified it: the run goes on, but not as the uninterrupted one would have.
                    Report($"the recovery checkpoint of step {common}, from which every group resumes, no longer loads; " +
                           (_checkpoint is null ? "starting from scratch" : $"resuming from the one of step {_checkpoint.Step}") +
                           " (reload-mode exact: this run is no longer reproducible)", GroupEventKind.RolledBack, warning: true);
            }
            else if (newest > 0)
                Report($"starting from scratch although it has a recovery checkpoint of step {newest}: {resume.WhyFromScratch(_group)} " +
                       "(reload-mode exact: every group resumes from the newest step all groups have an intact checkpoint of, " +
                       "so every group starts from scratch; reload-mode newest would resume each group from its own)",
                    GroupEventKind.RolledBack, warning: true);
            else if (resume.DamagedOf(_group).Count > 0)
                Report($"starting from scratch: none of its {resume.DamagedOf(_group).Count} recovery checkpoint(s) is intact " +
                       "(reload-mode exact: so every group starts from scratch)", GroupEventKind.RolledBack, warning: true);
        }
        if (_spec.HasFixedTeacher && !HoldFixedTeacher()) return;
        for (var slot = 0; slot < _members.Length; slot++) _placement.Place(Context, _spec, _group, slot, _generation[slot]);
    }

    // Two-phase distillation: the trained teacher's copy, held from the start. A file that does not load ends the job
    // with the reason (the embedded run checked it before starting; a cluster run reads it on the coordinator's node).
    private bool HoldFixedTeacher()
    {
        try
        {
            var copy = FixedTeacher.Load(_spec.FixedTeacher);
            _copies.Fix(copy);
            Report($"distills from the trained model of {Path.GetFileName(_spec.FixedTeacher)} (step {copy.Step}) after burn-in: two-phase distillation");
            return true;
        }
        catch (ArgumentException e)
        {
            Report(e.Message, warning: true);
            Finished();
            _coordinator.Tell(new GroupFinished(_group, 0, e.Message), Self);
            return false;
        }
    }

    private int LiveCount => _members.Count(m => m is not null);

    // ---- phases ----

    private void Starting()
    {
        _phase = Phase.Starting;
        Become(() =>
        {
            Receive<WorkerReady>(ready =>
            {
                if (!Accept(ready)) return;
                if (LiveCount == _members.Length) Reconcile("all workers ready");
            });
            Receive<Terminated>(t => OnMemberLost(t.ActorRef));
            CommonHandlers();
        });
    }

    private void Running()
    {
        _phase = Phase.Running;
        Become(() =>
        {
            Receive<StepDone>(OnStepDone);
            Receive<WorkerReady>(ready =>
            {
                // A replacement joins at the next step boundary.
                if (Accept(ready)) _admitPending = true;
            });
            Receive<StepTimedOut>(timeout =>
            {
                if (_inFlight is null || timeout.Step != _inFlight.Step || timeout.Epoch != _epoch) return;
                Report($"step {timeout.Step} took longer than step-timeout {_failures.StepTimeout.TotalSeconds:0.#}s; probing members");
                Reconcile("step timeout");
            });
            Receive<Terminated>(t => OnMemberLost(t.ActorRef));
            Receive<TeacherCopiesMissing>(OnTeacherCopiesMissing);
            Receive<AllreduceChunkLost>(lost =>
            {
                if (_inFlight is null || lost.Step != _inFlight.Step || lost.Epoch != _epoch || !IsMember(lost.Slot) ||
                    lost.Generation != _generation[lost.Slot])
                    return;
                Report($"allreduce of step {lost.Step} broken: {lost.What}; probing members and redoing the step's allreduce");
                Reconcile("lost allreduce chunk");
            });
            Receive<ExactCopiesTimedOut>(timeout =>
            {
                if (timeout.Step != _awaitingCopiesFor || timeout.Step != _step || timeout.Epoch != _epoch || _inFlight is not null) return;
                LoadNewestCopiesInstead($"the teacher copies of step {_step - 1} from group(s) [{string.Join(",", ExactCopiesMissing())}] have not come " +
                                        $"within step-timeout {_failures.StepTimeout.TotalSeconds:0.#}s");
            });
            Receive<ExactCopiesStillMissing>(still =>
            {
                if (still.Step != _awaitingCopiesFor || still.Step != _step || still.Epoch != _epoch || _inFlight is not null) return;
                var waited = CopiesWarningAfter;
                var awaited = ExactCopiesAwaited();
                Report($"step {_step} has waited {waited.TotalSeconds:0.#}s for the teacher copies of step {_step - 1} from group(s) " +
                       $"[{string.Join(",", awaited)}] (reload-mode exact: a reload boundary loads the copies its teacher groups took at the " +
                       $"step before it; {string.Join(", ", awaited.Select(NewestCopyHere))}); if they have not come within step-timeout " +
                       $"{_failures.StepTimeout.TotalSeconds:0.#}s, in {(_failures.StepTimeout - waited).TotalSeconds:0.#}s, it loads the newest " +
                       "copies instead and the run is no longer reproducible", warning: true);
            });
            CommonHandlers();
        });
    }

    private void Paused()
    {
        _phase = Phase.Paused;
        Become(() =>
        {
            Receive<WorkerReady>(ready =>
            {
                if (Accept(ready) && LiveCount >= _failures.MinWorkersPerGroup && !WaitsForEverySlot()) Reconcile("replacements ready");
            });
            Receive<Terminated>(t => OnMemberLost(t.ActorRef));
            Receive<StepDone>(_ => { });
            CommonHandlers();
        });
    }

    private void Reconciling()
    {
        _phase = Phase.Reconciling;
        Become(() =>
        {
            Receive<WorkerAlive>(OnWorkerAlive);
            Receive<ProbeTimedOut>(timeout =>
            {
                if (timeout.Epoch != _epoch) return;
                foreach (var slot in _probed.Where(s => _members[s] is not null && !_alive.ContainsKey(s)).ToList())
                    Fence(slot, $"did not answer a probe within probe-timeout {_failures.ProbeTimeout.TotalSeconds:0.#}s (hung?)", regroup: false);
                if (_phase != Phase.Finished) Decide();
            });
            Receive<WorkerState>(state =>
            {
                if (state.RequestId == _stateRequest) RestoreFrom(state);
                else OnCheckpointState(state);
            });
            Receive<RestoreTimedOut>(timeout =>
            {
                if (timeout.Epoch != _epoch) return;
                // A member that neither exported nor restored the group's state in a step-timeout is as good as hung.
                var stuck = _stateRequest >= 0 && _stateSource >= 0 ? new List<int> { _stateSource } : _awaitRestore.ToList();
                foreach (var slot in stuck.Where(s => _members[s] is not null))
                    Fence(slot, $"did not {(slot == _stateSource ? "export" : "restore")} the group's state within step-timeout {_failures.StepTimeout.TotalSeconds:0.#}s", regroup: false);
                Reconcile("restore timed out");
            });
            Receive<WorkerReady>(ready =>
            {
                if (_awaitRestore.Contains(ready.Slot) && Sender.Equals(_members[ready.Slot]) && ready.Generation == _generation[ready.Slot])
                {
                    _awaitRestore.Remove(ready.Slot);
                    _synced[ready.Slot] = true;
                    if (_awaitRestore.Count == 0) Complete();
                    return;
                }
                // A replacement that became ready meanwhile waits for the next boundary.
                if (Accept(ready)) _admitPending = true;
            });
            Receive<StepDone>(done =>
            {
                // A member that finished the in-flight step before the ring broke: its report counts.
                if (_inFlight is not null && done.Step == _inFlight.Step && IsMember(done.Slot)) _done[done.Slot] = done;
            });
            Receive<Terminated>(t => OnMemberLost(t.ActorRef));
            CommonHandlers();
        });
    }

    private void Finished()
    {
        _phase = Phase.Finished;
        Timers.CancelAll();
        Become(() =>
        {
            Receive<Terminated>(_ => { });
            Receive<StepDone>(_ => { });
            Receive<WorkerReady>(_ => _placement.Release(Context, Sender, _group, -1, "the group has finished"));
            CommonHandlers();
        });
    }

    private void CommonHandlers()
    {
        Receive<TeacherCheckpointArrived>(arrived =>
        {
            _copies.Arrive(arrived.Checkpoint);
            if (_spec.ReloadMode != ReloadMode.Exact) return;
            if (_phase == Phase.Running && _inFlight is null && _awaitingCopiesFor == _step)
            {
                if (ExactCopiesMissing().Count == 0)
                {
                    StopAwaitingCopies();
                    BeginStep();
                }
                else if (ExactCopiesAwaited().Count == 0)
                {
                    // A later copy came instead: the awaited one never will.
                    LoadNewestCopiesInstead(CopiesThatWillNotCome());
                }
            }
        });
        Receive<CheckpointExported>(exported =>
        {
            if (exported.Checkpoint.Step <= _lastPublished) return;
            _lastPublished = exported.Checkpoint.Step;
            _broadcaster.Tell(new PublishCheckpoint(exported.Checkpoint), Self);
        });
        Receive<WorkerState>(OnCheckpointState);
        Receive<StepRecovery>(recovery =>
        {
            if (IsMember(recovery.Slot) && recovery.Generation == _generation[recovery.Slot]) _stepRecovery[recovery.Slot] = recovery;
        });
        Receive<GroupReconfigure>(OnReconfigure);
        Receive<ReleaseMembersOn>(release =>
        {
            _releaseNode = release.NodeAddress;
            Report($"giving up the members on {release.NodeAddress} at the next step boundary ({release.Reason})");
        });
        Receive<BroadcastTargets>(targets => _broadcaster.Forward(targets));
        Receive<GetBroadcastStats>(get => _broadcaster.Forward(get));
        Receive<StopGroup>(_ =>
        {
            var steps = _step - (_inFlight is null ? 0 : 1);
            ReleaseAll("the job is stopping");
            Finished();
            _coordinator.Tell(new GroupFinished(_group, steps), Self);
        });
        Receive<ProbeTimedOut>(_ => { });
        Receive<RestoreTimedOut>(_ => { });
        Receive<EverySlotTimedOut>(_ => OnEverySlotTimedOut());
        Receive<StepTimedOut>(_ => { });
        Receive<WorkerAlive>(_ => { });
        // Outside Running the plan it was about is gone; the next plan brings the copies (SendPlan).
        Receive<TeacherCopiesMissing>(_ => { });
        Receive<AllreduceChunkLost>(_ => { });
    }

    private void OnReconfigure(GroupReconfigure change)
    {
        if (_settings.Schedule(change, _planned, _step) is { } late) Report(late, GroupEventKind.Reconfigured);
    }

    private enum Phase { Starting, Running, Paused, Reconciling, Finished }

    private Phase _phase = Phase.Starting;

    // A warning is something the operator should act on or know about (damaged files, a wait that may cost minutes, a
    // run that is no longer reproducible): it is logged as such, not among the routine lines.
    private void Report(string message, GroupEventKind kind = GroupEventKind.Info, bool warning = false)
    {
        if (warning) _log.Warning($"group {_group}: {message}");
        else _log.Info($"group {_group}: {message}");
        // Before its first step a resumed group is at its checkpoint's step, not at 0 (issue 19, finding 8: events after a
        // seed restart were labelled "@ 0").
        _coordinator.Tell(new GroupEvent(_group, Math.Max(_step, _checkpoint?.Step ?? 0), message, kind), Self);
    }

    private sealed record StepTimedOut(long Step, int Epoch);

    private sealed record ExactCopiesTimedOut(long Step, int Epoch);

    private sealed record ExactCopiesStillMissing(long Step, int Epoch);

    private sealed record ProbeTimedOut(int Epoch);

    private sealed record RestoreTimedOut(int Epoch);

    private sealed record EverySlotTimedOut;
}
