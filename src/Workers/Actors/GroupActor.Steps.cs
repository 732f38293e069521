using Akka.Actor;
using Akka.Event;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Workers.Actors;

/// <summary>Steps: deciding what each boundary changes, planning and completing a step, and the recovery checkpoints.</summary>
public sealed partial class GroupActor
{
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
            lead?.TeacherAges ?? new Dictionary<int, long>(), lead?.ValidationLoss, lead?.Predictions, _ringSlots.Length,
            lead?.ValidationAccuracy), Self);
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
}
