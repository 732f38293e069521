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
/// </summary>
public sealed class GroupActor : ReceiveActor, IWithTimers
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
        _settings.Start(start.TeacherGroups);
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
        for (var slot = 0; slot < _members.Length; slot++) _placement.Place(Context, _spec, _group, slot, _generation[slot]);
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

    // ---- membership ----

    private bool IsMember(int slot) => slot >= 0 && slot < _members.Length && Sender.Equals(_members[slot]);

    /// <summary>Takes a ready worker as its slot's member when it is the incarnation asked for; refuses (stops) a stale one.</summary>
    private bool Accept(WorkerReady ready)
    {
        if (ready.Slot < 0 || ready.Slot >= _members.Length || ready.Generation != _generation[ready.Slot] ||
            (_members[ready.Slot] is { } current && !current.Equals(Sender)))
        {
            _log.Warning($"group {_group}: refusing worker {Sender.Path} (slot {ready.Slot}, generation {ready.Generation}): not the incarnation this group waits for");
            _placement.Release(Context, Sender, _group, ready.Slot, "stale incarnation");
            return false;
        }
        if (_members[ready.Slot] is null)
        {
            _members[ready.Slot] = Sender;
            _synced[ready.Slot] = false;
            Context.Watch(Sender);
        }
        return true;
    }

    private void OnMemberLost(IActorRef worker)
    {
        var slot = Array.FindIndex(_members, m => m is not null && m.Equals(worker));
        if (slot < 0) return;
        _members[slot] = null;
        _synced[slot] = false;
        var reason = _lastFailure ?? "stopped or its node is gone";
        _lastFailure = null;
        Failed(slot, $"worker slot {slot} failed at step {_step} ({reason})");
    }

    /// <summary>Gives a member up (hung, or its node drained): it is stopped where it runs and replaced.</summary>
    private void Fence(int slot, string reason, bool regroup = true)
    {
        var worker = _members[slot]!;
        Context.Unwatch(worker);
        _placement.Release(Context, worker, _group, slot, reason);
        _members[slot] = null;
        _synced[slot] = false;
        Failed(slot, $"worker slot {slot} fenced at step {_step}: {reason}", regroup);
    }

    private void Failed(int slot, string message, bool regroup = true)
    {
        _teacherHolders.Remove(slot);
        _failureCount++;
        Report(message + "; replacing it", GroupEventKind.WorkerFailed);
        if (_failureCount > _failures.MaxWorkerFailures)
        {
            var failure = $"group {_group} stopped at step {_step} after {_failureCount} worker failures, more than training.failures.max-worker-failures " +
                          $"{_failures.MaxWorkerFailures}; the last: {message}";
            Report(failure, warning: true);
            var steps = _step - (_inFlight is null ? 0 : 1);
            ReleaseAll("the group stops after too many failures");
            Finished();
            _coordinator.Tell(new GroupFinished(_group, steps, failure), Self);
            return;
        }
        _generation[slot]++;
        _placement.Place(Context, _spec, _group, slot, _generation[slot]);
        // Running: the ring is broken, regroup now. Reconciling: start over with what is left.
        // Starting and Paused wait for replacements.
        if (regroup && _phase is Phase.Running or Phase.Reconciling) Reconcile($"slot {slot} lost");
    }

    private enum Phase { Starting, Running, Paused, Reconciling, Finished }

    private Phase _phase = Phase.Starting;

    private void ReleaseAll(string reason)
    {
        for (var slot = 0; slot < _members.Length; slot++)
            if (_members[slot] is { } m)
            {
                Context.Unwatch(m);
                _placement.Release(Context, m, _group, slot, reason);
                _members[slot] = null;
            }
    }

    // ---- reconciling ----

    private void Reconcile(string why)
    {
        if (_phase == Phase.Finished) return;
        Timers.Cancel("step");
        _epoch++;
        _alive.Clear();
        _computedLosses.Clear();
        _probed.Clear();
        _awaitRestore.Clear();
        _stateRequest = -1;
        _stateSource = -1;
        Timers.Cancel("restore");
        // Every member gets the loaded teacher copies again with the next plan, veterans too: a copy lost on its way
        // (its bulk transfer dropped with a connection, or refused by a full outbox) leaves a member waiting for it,
        // the step times out, and without a new copy the retried step would wait and time out again, forever.
        _teacherHolders.Clear();
        var live = Enumerable.Range(0, _members.Length).Where(s => _members[s] is not null).ToList();
        if (live.Count < _failures.MinWorkersPerGroup)
        {
            EnterPaused(live.Count);
            return;
        }
        _log.Info(_epoch == 1
            ? $"group {_group}: forming the ring of {live.Count} workers"
            : $"group {_group}: regrouping at step {_step}, epoch {_epoch} ({why})");
        foreach (var slot in live)
        {
            _probed.Add(slot);
            _members[slot]!.Tell(new ProbeWorker(_epoch), Self);
        }
        Timers.StartSingleTimer("probe", new ProbeTimedOut(_epoch), _failures.ProbeTimeout);
        Reconciling();
    }

    // Whether the run's bits are meant to be reproducible: reload-mode exact, or no teacher copies at all.
    private bool Reproducible => _spec.ReloadMode == ReloadMode.Exact || _spec.Baseline || _spec.Groups < 2;

    /// <summary>
    /// With no member holding the group's state (every one lost): whether the group waits for more replacements before
    /// it restores them from its recovery checkpoint (or starts again from scratch). The checkpoint holds every slot's own
    /// carried state and teacher replicas, so only a group restored whole re-runs the steps with the bits they first had;
    /// it used to go on with the first min-workers-per-group replacements (issue 19: both worker nodes killed, the redone
    /// step ran on one member's shard). The wait begins when min-workers-per-group are ready and lasts step-timeout at most.
    /// </summary>
    private bool WaitsForEverySlot()
    {
        if (LiveCount == _members.Length || _everySlotWaitOver || Enumerable.Range(0, _members.Length).Any(s => _members[s] is not null && _synced[s]))
            return false;
        if (!_everySlotWait)
        {
            _everySlotWait = true;
            Timers.StartSingleTimer("every-slot", new EverySlotTimedOut(), _failures.StepTimeout);
            var missing = Enumerable.Range(0, _members.Length).Where(s => _members[s] is null);
            Report($"{LiveCount} of {_members.Length} replacements ready, and no member holds the group's state: waiting for slot(s) " +
                   $"[{string.Join(",", missing)}] too, to restore every slot from " +
                   (_checkpoint is null ? "scratch" : $"the recovery checkpoint of step {_checkpoint.Step}") +
                   $" (at most step-timeout {_failures.StepTimeout.TotalSeconds:0.#}s)", GroupEventKind.Paused);
        }
        return true;
    }

    private void OnEverySlotTimedOut()
    {
        if (!_everySlotWait || _everySlotWaitOver) return;
        _everySlotWaitOver = true;
        var missing = Enumerable.Range(0, _members.Length).Where(s => _members[s] is null).ToList();
        Report($"slot(s) [{string.Join(",", missing)}] still have no worker, step-timeout {_failures.StepTimeout.TotalSeconds:0.#}s after " +
               $"{_failures.MinWorkersPerGroup} of {_members.Length} replacements were ready: going on without them (a later one joins from a " +
               "member's state, its streams' carried state from zeros" + (Reproducible ? "; this run is no longer reproducible)" : ")"),
            warning: Reproducible);
        // Paused: go on now. Reconciling (a member was lost meanwhile): its decision goes on without waiting.
        if (_phase == Phase.Paused && LiveCount >= _failures.MinWorkersPerGroup) Reconcile("replacements ready");
    }

    private void EnterPaused(int live)
    {
        Timers.Cancel("probe");
        Timers.Cancel("restore");
        Report($"{live} of {_members.Length} workers alive, below min-workers-per-group {_failures.MinWorkersPerGroup}: paused until replacements are ready",
            GroupEventKind.Paused);
        Paused();
    }

    private void OnWorkerAlive(WorkerAlive alive)
    {
        if (alive.Epoch != _epoch || !IsMember(alive.Slot) || alive.Generation != _generation[alive.Slot]) return;
        _alive[alive.Slot] = alive.AppliedStep;
        if (alive.Computed is { } losses) _computedLosses[alive.Slot] = losses;
        if (_probed.All(s => _members[s] is null || _alive.ContainsKey(s))) Decide();
    }

    private void Decide()
    {
        Timers.Cancel("probe");
        var live = _alive.Keys.Where(s => _members[s] is not null).OrderBy(s => s).ToList();
        var veterans = live.Where(s => _synced[s]).ToList();
        if (LiveCount > live.Count && (veterans.Count == 0 || live.Count < _failures.MinWorkersPerGroup))
        {
            // Replacements came while the members were probed: probe them too. With no member holding the group's state
            // all are restored together from the checkpoint (one admitted later would be restored from a member, not
            // from its own state); below min-workers-per-group the group would otherwise pause for a replacement it has.
            _admitPending = false;
            Reconcile("replacements ready");
            return;
        }
        if (live.Count < _failures.MinWorkersPerGroup || live.Count == 0)
        {
            EnterPaused(live.Count);
            return;
        }
        if (veterans.Count == 0 && WaitsForEverySlot())
        {
            Timers.Cancel("restore");
            Paused();
            return;
        }
        int? source = null;
        if (veterans.Count > 0)
        {
            _target = veterans.Max(s => _alive[s]);
            source = veterans.First(s => _alive[s] == _target);
        }
        else
        {
            // No member holds the group's state: start from the newest recovery checkpoint (or from scratch).
            _target = _checkpoint?.Step ?? 0;
        }
        foreach (var s in live)
            if (!_synced[s] ? _target > 0 || _alive[s] != _target : _alive[s] != _target)
                _awaitRestore.Add(s);
        foreach (var s in live.Where(s => !_awaitRestore.Contains(s))) _synced[s] = true;
        _restoring = _awaitRestore.Count;
        _ringSlots = live.ToArray();
        if (_awaitRestore.Count == 0)
        {
            Complete();
            return;
        }
        Timers.StartSingleTimer("restore", new RestoreTimedOut(_epoch), _failures.StepTimeout);
        if (source is { } from)
        {
            _stateRequest = ++_requestIds;
            _stateSource = from;
            _members[from]!.Tell(new ExportState(_stateRequest), Self);
        }
        else
        {
            _resumedFromCheckpoint = true;
            RestoreFrom(new WorkerState(-1, _checkpoint!.Step, _checkpoint.Parameters, _checkpoint.OptimizerState), _checkpoint);
        }
    }

    // From a checkpoint each slot gets its own carried and teacher state, with the group's copies. From a survivor it
    // gets neither (the survivor's belong to the survivor's data streams), so it keeps what it carries; except a
    // replacement, which gets what its lost predecessor reported after that very step (StepRecovery), when there is one.
    private void RestoreFrom(WorkerState state, GroupCheckpoint? checkpoint = null)
    {
        _stateRequest = -1;
        _stateSource = -1;
        foreach (var s in _awaitRestore)
        {
            var (member, copies) = checkpoint is not null
                ? (checkpoint.Members?.GetValueOrDefault(s), checkpoint.Copies)
                : _stepRecovery.TryGetValue(s, out var r) && r.Step == state.AppliedStep && r.Generation != _generation[s] &&
                  _copiesAtLastStep.Step == state.AppliedStep
                    ? (r.Recovery, _copiesAtLastStep.Copies)
                    : (null, null);
            Context.TellTensor(_members[s]!, new RestoreState(state with { RequestId = 0, Carried = member?.Carried, Teachers = member?.Teachers },
                member?.Teachers is null ? null : copies));
        }
    }

    private void Complete()
    {
        Timers.Cancel("restore");
        Timers.Cancel("every-slot");
        _everySlotWait = _everySlotWaitOver = false;
        var slots = _ringSlots.Where(s => _members[s] is not null).ToArray();
        var refs = slots.Select(s => _members[s]!).ToArray();
        var ring = new RingMembers(_epoch, refs, slots);
        foreach (var m in refs) m.Tell(ring, Self);
        _ringSlots = slots;
        var restored = _restoring;
        Running();

        var fromCheckpoint = _resumedFromCheckpoint && _checkpoint is not null;
        if (fromCheckpoint)
        {
            _resumedFromCheckpoint = false;
            // A checkpoint that kept the teacher copies gives them back, and the run goes on as it would have; one that
            // did not leaves the members without copies until the first arrives (loaded as in reload-mode newest).
            if (!_copies.Restore(_checkpoint!)) _resumedAt = _checkpoint!.Step;
            // Readers get a teacher copy at once rather than at the next reload (the copy they held is gone with the old run).
            if (!_spec.Baseline && _spec.Groups > 1)
                _broadcaster.Tell(new PublishCheckpoint(new TeacherCheckpoint(_group, _checkpoint!.Step, ToHalf(_checkpoint.Parameters))), Self);
        }

        var inFlight = _inFlight;
        if (inFlight is not null && _target >= inFlight.Step)
        {
            // Some member applied the step before the ring broke: it counts once, with the reports that came and the
            // losses the others had computed for it.
            foreach (var (slot, losses) in _computedLosses)
                if (_alive[slot] + 1 == inFlight.Step && !_done.ContainsKey(slot))
                    _done[slot] = new StepDone(inFlight.Step, _epoch, slot, losses, 0, 0, 0, false, null, new Dictionary<int, long>(), null);
            Report($"regrouped with slots [{string.Join(",", slots)}]; step {inFlight.Step} was already applied", GroupEventKind.Restored);
            CompleteStep(inFlight);
            return;
        }
        // The step after the checkpoint's is planned again rather than resent: its plan named the copies held when it
        // began, and the group holds the checkpoint's now (resending it left the members asking for copies the group
        // no longer had, a step timeout after another, found by the keep-oldest chaos test).
        if (inFlight is not null && _target == inFlight.Step - 1 && !fromCheckpoint)
        {
            if (restored > 0 || slots.Length < _members.Length)
                Report($"regrouped with slots [{string.Join(",", slots)}] ({(restored > 0 ? $"{restored} restored" : "no restore needed")}); step {inFlight.Step} is retried", GroupEventKind.Restored);
            Resend();
            return;
        }
        if (_target < _step)
        {
            Report($"rolled back from step {_step} to the recovery checkpoint of step {_target}", GroupEventKind.RolledBack);
            if (_settings.Rewind(_target) is { } rewound) Report(rewound, GroupEventKind.Reconfigured);
        }
        else if (restored > 0)
            Report($"workers restored at step {_target}; ring re-formed with slots [{string.Join(",", slots)}]", GroupEventKind.Restored);
        _step = _target;
        _inFlight = null;
        NextStep();
    }

    private void OnTeacherCopiesMissing(TeacherCopiesMissing missing)
    {
        if (!IsMember(missing.Slot) || missing.Generation != _generation[missing.Slot] || missing.Epoch != _epoch ||
            _inFlight is null || missing.Step != _inFlight.Step)
            return;
        foreach (var g in missing.Groups)
            if (_copies.Loaded.TryGetValue(g, out var c) && _inFlight.TeacherSteps.TryGetValue(g, out var step) && c.Step == step)
                Context.TellTensor(_members[missing.Slot]!, new LoadTeacher(c));
    }

    private void SendTeachersToNewMembers()
    {
        // Members admitted fresh (or all, after a regroup) hold no teacher copies yet; the others keep theirs.
        foreach (var s in _ringSlots)
            if (!_teacherHolders.Contains(s))
            {
                foreach (var c in _copies.Loaded.Values) Context.TellTensor(_members[s]!, new LoadTeacher(c));
                _teacherHolders.Add(s);
            }
    }

    private readonly HashSet<int> _teacherHolders = new();

    private static Half[] ToHalf(float[] values)
    {
        var half = new Half[values.Length];
        for (var i = 0; i < values.Length; i++) half[i] = (Half)values[i];
        return half;
    }

    // ---- steps ----

    private void NextStep()
    {
        if (_step >= _spec.Steps)
        {
            ReleaseAll("the job is done");
            Finished();
            _coordinator.Tell(new GroupFinished(_group, _step), Self);
            return;
        }
        if (_releaseNode is { } node)
        {
            _releaseNode = null;
            var leaving = _ringSlots.Where(s => _members[s] is { } m && m.Path.Address.ToString() == node).ToList();
            if (leaving.Count > 0)
            {
                foreach (var s in leaving) Fence(s, $"its node {node} is drained", regroup: false);
                if (_phase != Phase.Finished) Reconcile("drained " + node);
                return;
            }
        }
        _step++;
        foreach (var applied in _settings.ApplyDue(_step)) Report(applied, GroupEventKind.Reconfigured);
        _awaitingCopiesFor = 0;
        if (ExactCopiesMissing().Count > 0)
        {
            // A wait that cannot end in a copy is not begun (it used to cost a step-timeout, at every boundary).
            if (ExactCopiesAwaited().Count == 0)
            {
                LoadNewestCopiesInstead(CopiesThatWillNotCome());
                return;
            }
            // reload-mode exact: the boundary waits for the copies its teacher groups took after the step before it; a
            // wait that goes on says so before it has cost the whole step-timeout.
            _awaitingCopiesFor = _step;
            Timers.StartSingleTimer("copies", new ExactCopiesTimedOut(_step, _epoch), _failures.StepTimeout);
            Timers.StartSingleTimer("copies-warning", new ExactCopiesStillMissing(_step, _epoch), CopiesWarningAfter);
            return;
        }
        BeginStep();
    }

    // How long a boundary waits for copies before it warns: a wait of a teacher's step or two is routine, one of
    // seconds is not (10 s; a quarter of the step-timeout when that is shorter).
    private TimeSpan CopiesWarningAfter =>
        TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(10).Ticks, _failures.StepTimeout.Ticks / 4));

    private void StopAwaitingCopies()
    {
        Timers.Cancel("copies");
        Timers.Cancel("copies-warning");
        _awaitingCopiesFor = 0;
    }

    // reload-mode exact, a boundary whose copies did not come (or never will): the newest copies serve, and the run says
    // it is no longer reproducible.
    private void LoadNewestCopiesInstead(string why)
    {
        StopAwaitingCopies();
        Report($"{why}; loading the newest copies instead (reload-mode exact: this run is no longer reproducible)", warning: true);
        _exactFallbackAt = _step;
        BeginStep();
    }

    // The missing copies that can still come: a group's copies arrive in the order it sent them (in-process, and per
    // node pair on the bulk channel), so once a later copy of a teacher group has arrived, the one of the step before the
    // boundary never will (the teacher resumed, or loaded, further on than this group; or it was not a reader then).
    private List<int> ExactCopiesAwaited() =>
        ExactCopiesMissing().Where(g => !(_copies.NewestArrived(g) is { } newest && newest > _step - 1)).ToList();

    private string CopiesThatWillNotCome()
    {
        var missing = ExactCopiesMissing();
        return $"the teacher copies of step {_step - 1} from group(s) [{string.Join(",", missing)}] will not come: " +
               string.Join(", ", missing.Select(g => $"group {g} has already sent its copy of step {_copies.NewestArrived(g)}")) +
               " (it is further on than this group)";
    }

    private string NewestCopyHere(int group) =>
        _copies.NewestArrived(group) is { } newest ? $"group {group}'s newest copy here is of step {newest}" : $"group {group} has sent none yet";

    // A distillation job's exact boundary after the first export (step s with (s-1) % K == 0 and s > K): the teacher
    // groups whose copy of step s - 1 has not arrived. Empty in reload-mode newest, and after a resume (the members
    // hold no copies then; they load the first that arrives, as in newest mode).
    private List<int> ExactCopiesMissing()
    {
        if (_spec.ReloadMode != ReloadMode.Exact || _spec.Baseline || _spec.Groups < 2 || _resumedAt > 0 ||
            _step <= _settings.ReloadInterval || (_step - 1) % _settings.ReloadInterval != 0)
            return [];
        return _copies.MissingAt(_step, _settings.TeacherGroups);
    }

    private void BeginStep()
    {
        // Reload boundary: after every reload-interval steps, the members swap in the newest copies (reload-mode exact:
        // the copies of the step before the boundary, or the newest when they did not come in time).
        // After a resume the members hold no copies: load at the first step one has arrived, not at the next boundary.
        var boundary = (_step - 1) % _settings.ReloadInterval == 0 || (_copies.Loaded.Count == 0 && _resumedAt > 0);
        // reload-mode exact takes only the copy of the step before the boundary: at step 1 there is none, however far a
        // teacher group has got (a group that started late used to load whatever copy had come, so its first steps
        // depended on the pace). The newest serves after an awaited copy timed out, and after a resume without copies.
        var newestServes = _spec.ReloadMode != ReloadMode.Exact || _exactFallbackAt == _step || _resumedAt > 0;
        if (boundary)
            foreach (var c in _copies.LoadAtBoundary(_step, _settings.TeacherGroups, newestServes))
                foreach (var s in _ringSlots) Context.TellTensor(_members[s]!, new LoadTeacher(c));
        if (_copies.Loaded.Count > 0) _resumedAt = 0;
        // Copies of a group that becomes a teacher at a scheduled step are kept for it.
        _copies.KeepOnly(_settings.TeacherGroups, _settings.WillTeach);
        _planned = true;

        var distillOn = _spec.DistillActiveAt(_step) && _copies.Loaded.Count > 0 && _settings.Distill.Weight != 0;
        _inFlight = new StepPlan(_step, _epoch, distillOn, _settings.Distill, _copies.Loaded.ToDictionary(kv => kv.Key, kv => kv.Value.Step),
            ExportCheckpoint: false, Evaluate: false, CollectPredictions: false);
        _done.Clear();
        SendPlan();
    }

    // After a regroup the same step is sent again in the new epoch (survivors keep their computed gradients).
    private void Resend()
    {
        _inFlight = _inFlight! with { Epoch = _epoch };
        _done.Clear();
        SendPlan();
    }

    private void SendPlan()
    {
        SendTeachersToNewMembers();
        var plan = _inFlight!;
        var evaluate = _spec.EvalInterval > 0 && (_step % _spec.EvalInterval == 0 || _step == _spec.Steps);
        for (var i = 0; i < _ringSlots.Length; i++)
        {
            // Rank 0 (the lowest live slot) exports checkpoints and evaluates.
            var lead = i == 0;
            _members[_ringSlots[i]]!.Tell(plan with
            {
                ExportCheckpoint = lead && !_spec.Baseline && _spec.Groups > 1 && _step % _settings.ReloadInterval == 0,
                Evaluate = lead && evaluate,
                CollectPredictions = lead && _step == _spec.Steps,
            }, Self);
        }
        Timers.StartSingleTimer("step", new StepTimedOut(plan.Step, _epoch), _failures.StepTimeout);
    }

    // Applies, in arrival order, the changes due at the step just begun (or earlier: history after a restart).
    private void OnStepDone(StepDone done)
    {
        if (_inFlight is null || done.Step != _inFlight.Step || done.Epoch != _epoch || !IsMember(done.Slot)) return;
        _done[done.Slot] = done;
        if (_ringSlots.Any(s => !_done.ContainsKey(s))) return;
        CompleteStep(_inFlight);
    }

    private void CompleteStep(StepPlan plan)
    {
        Timers.Cancel("step");
        var all = _done.Values.Where(d => d.Step == plan.Step).ToList();
        var computed = all.Where(d => d.Losses.Examples > 0).ToList();
        var examples = computed.Sum(d => d.Losses.Examples);
        var losses = computed.Count == 0
            ? new StepLosses(double.NaN, double.NaN, 0, 0)
            : new StepLosses(computed.Average(d => d.Losses.Loss), computed.Average(d => d.Losses.TaskLoss), computed.Average(d => d.Losses.DistillLoss), examples);
        var stepSeconds = all.Count == 0 ? 0 : all.Max(d => d.StepSeconds);
        var lead = all.FirstOrDefault(d => d.ValidationLoss is not null || d.Predictions is not null) ?? all.OrderBy(d => d.Slot).FirstOrDefault();
        _coordinator.Tell(new GroupStepCompleted(_group, plan.Step, losses, plan.DistillOn,
            stepSeconds > 0 ? examples / stepSeconds : 0, stepSeconds, all.Sum(d => d.AllreduceBytes),
            lead?.TeacherAges ?? new Dictionary<int, long>(), lead?.ValidationLoss, lead?.Predictions, _ringSlots.Length), Self);
        _inFlight = null;
        _done.Clear();
        _copiesAtLastStep = (plan.Step, _copies.Loaded.Values.ToList());

        if (_failures.CheckpointInterval > 0 && plan.Step % _failures.CheckpointInterval == 0 && plan.Step < _spec.Steps)
            RequestCheckpoint(plan.Step);
        if (_admitPending)
        {
            _admitPending = false;
            Reconcile("admitting replacement workers");
            return;
        }
        NextStep();
    }

    // Rank 0 exports its weights and optimizer state, every member (rank 0 too) the state its model carries: each
    // member's data streams are its own. Asked between steps, before the next plan (a member's mailbox keeps the order).
    private void RequestCheckpoint(long step)
    {
        var slots = _ringSlots.Where(s => _members[s] is not null).ToArray();
        // The copies the members hold at this step, and any that came for later boundaries (reload-mode exact).
        var copies = _copies.ForCheckpoint();
        if (_assembly.Begin(++_requestIds, step, slots, copies) is { } abandoned) Report(abandoned);
        for (var i = 0; i < slots.Length; i++)
            _members[slots[i]]!.Tell(new ExportState(_assembly.Request, CarriedOnly: i > 0), Self);
    }

    private void OnCheckpointState(WorkerState state)
    {
        if (_assembly.Accept(state) is not { } checkpoint) return;
        try
        {
            _checkpoints.Save(checkpoint);
            _checkpoint = checkpoint;
            // A rollback goes back to this step at most: copies loaded before the ones held now are not needed again.
            _copies.Checkpointed(checkpoint.Copies ?? []);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Report($"could not save the recovery checkpoint of step {state.AppliedStep}: {e.Message}");
        }
    }

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
