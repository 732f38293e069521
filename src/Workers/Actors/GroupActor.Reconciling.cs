using Akka.Actor;
using Akka.Event;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Workers.Actors;

/// <summary>Reconciling after a membership change: probe the live members, decide the group's step and state, restore who is behind, re-form the ring.</summary>
public sealed partial class GroupActor
{
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
}
