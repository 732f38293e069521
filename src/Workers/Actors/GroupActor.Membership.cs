using Akka.Actor;
using Akka.Event;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Workers.Actors;

/// <summary>The group's members by slot: accepting a ready incarnation, losing, fencing and releasing members, and asking the placement for replacements.</summary>
public sealed partial class GroupActor
{
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
}
