namespace ActorCodistill.Cluster.Actors;

internal sealed partial class ActorCell
{
    private Exception? _pendingRecreate;

    /// <summary>
    /// The actor (or its handling of a child's failure) threw: stop processing user messages and let the
    /// parent's strategy decide. Never rethrows, so no actor exception reaches the thread pool.
    /// </summary>
    private void HandleInvokeFailure(Exception cause, bool escalated)
    {
        if (_terminating)
        {
            Log.Error(cause, $"{SelfRef.Path} threw while stopping; ignored.");
            return;
        }
        if (_failed)
        {
            Log.Error(cause, $"{SelfRef.Path} threw again while waiting for its supervisor; ignored.");
            return;
        }
        _failed = true;
        _awaitingAsync = false;
        _timers?.CancelAll();
        _parent.SendSystemMessage(new Failed(SelfRef, cause, SelfRef.Path.Uid, escalated));
    }

    private void HandleChildFailure(Failed failed)
    {
        var entry = FindChild(failed.Child);
        if (entry is null || _terminating)
        {
            return;
        }
        var strategy = Props.SupervisorStrategy ?? _actor?.InvokeSupervisorStrategy() ?? SupervisorStrategy.DefaultStrategy;
        if (!strategy.HandleFailure(this, failed, entry))
        {
            Log.Error(failed.Cause, $"Escalating failure of {failed.Child.Path} to {Parent.Path}.");
            HandleInvokeFailure(failed.Cause, escalated: true);
        }
    }

    private void ResumeAfterFailure()
    {
        if (_terminating)
        {
            return;
        }
        _failed = false;
        // A resumed supervisor resumes the children left suspended when it escalated.
        foreach (var child in ChildEntries())
        {
            child.Ref.SendSystemMessage(new Resume(null));
        }
    }

    private void BeginRecreate(Exception cause)
    {
        if (_terminating)
        {
            return;
        }
        if (_actor is not null)
        {
            try
            {
                _actor.AroundPreRestart(cause, _current.Message);
            }
            catch (Exception e)
            {
                Log.Error(e, $"PreRestart of {SelfRef.Path} threw; restarting anyway.");
            }
        }
        _timers?.CancelAll();
        _pendingRecreate = cause;
        if (StoppingChildCount == 0)
        {
            FinishRecreate();
        }
    }

    private void FinishRecreate()
    {
        var cause = _pendingRecreate!;
        _pendingRecreate = null;
        SetReceiveTimeout(null);
        _failed = false;
        _awaitingAsync = false;
        _asyncGeneration++;
        try
        {
            NewActorInstance();
            _actor!.AroundPostRestart(cause);
        }
        catch (Exception e)
        {
            HandleInvokeFailure(
                new ActorInitializationException($"{SelfRef.Path} failed to restart: {e.Message}", e), escalated: false);
            return;
        }
        // Stashed messages survive a restart: the new incarnation sees them first, in order.
        _stash?.UnstashAll();
    }
}
