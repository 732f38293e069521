namespace ActorCodistill.Cluster.Actors;

internal sealed partial class ActorCell
{
    private readonly HashSet<IActorRef> _watching = new();
    private readonly HashSet<InternalActorRef> _watchedBy = new();

    public IActorRef Watch(IActorRef subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        if (subject is not InternalActorRef target)
        {
            throw new ArgumentException($"{subject} cannot be watched (not a runtime actor ref).", nameof(subject));
        }
        if (!subject.Equals(SelfRef) && _watching.Add(subject))
        {
            target.SendSystemMessage(new Watch(target, SelfRef));
        }
        return subject;
    }

    public IActorRef Unwatch(IActorRef subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        if (_watching.Remove(subject) && subject is InternalActorRef target)
        {
            target.SendSystemMessage(new Unwatch(target, SelfRef));
        }
        // A Terminated already queued for the subject must not arrive after Unwatch.
        for (var node = _front.First; node is not null;)
        {
            var next = node.Next;
            if (node.Value.Message is Terminated t && t.ActorRef.Equals(subject))
            {
                _front.Remove(node);
            }
            node = next;
        }
        return subject;
    }

    private void AddWatcher(Watch watch)
    {
        if (watch.Watchee.Equals(SelfRef) && !watch.Watcher.Equals(SelfRef))
        {
            _watchedBy.Add(watch.Watcher);
        }
    }

    private void RemoveWatcher(Unwatch unwatch)
    {
        if (unwatch.Watchee.Equals(SelfRef))
        {
            _watchedBy.Remove(unwatch.Watcher);
        }
    }

    private void HandleDeathNotification(DeathWatchNotification notification)
    {
        var wasChild = RemoveChild(notification.Actor);
        if (_watching.Remove(notification.Actor) && !_terminating)
        {
            // Terminated goes ahead of queued user messages but still waits for a running async handler.
            _front.AddLast(new Envelope(
                new Terminated(notification.Actor, notification.ExistenceConfirmed, notification.AddressTerminated),
                notification.Actor));
        }
        if (!wasChild)
        {
            return;
        }
        if (_terminating)
        {
            if (!_isTerminated && StoppingChildCount == 0)
            {
                FinishTerminate();
            }
        }
        else if (_pendingRecreate is not null && StoppingChildCount == 0)
        {
            FinishRecreate();
        }
    }

    /// <summary>Answers system messages that reach an actor which has already terminated.</summary>
    internal void HandleSystemMessageAfterDeath(SystemMessage message)
    {
        switch (message)
        {
            case Watch w when w.Watchee.Equals(SelfRef) && !w.Watcher.Equals(SelfRef):
                w.Watcher.SendSystemMessage(new DeathWatchNotification(SelfRef, ExistenceConfirmed: false,
                    AddressTerminated: false));
                break;
        }
    }

    private void BeginTerminate()
    {
        lock (_childrenLock)
        {
            if (_terminating)
            {
                return;
            }
            _terminating = true;
        }
        _timers?.CancelAll();
        _receiveTimeoutTask?.Cancel();
        StopAllChildren();
        if (StoppingChildCount == 0)
        {
            FinishTerminate();
        }
    }

    private void FinishTerminate()
    {
        try
        {
            _actor?.AroundPostStop();
        }
        catch (Exception e)
        {
            Log.Error(e, $"PostStop of {SelfRef.Path} threw; the actor is stopped anyway.");
        }
        _actor = null;
        _isTerminated = true;
        _stash?.DrainToDeadLetters();
        while (TryDequeueFront(out var envelope))
        {
            if (envelope.Message is not Terminated)
            {
                _system.RecordDeadLetter(new DeadLetter(envelope.Message, envelope.Sender, SelfRef));
            }
        }
        Mailbox.Close();
        var notification = new DeathWatchNotification(SelfRef, ExistenceConfirmed: true, AddressTerminated: false);
        _parent.SendSystemMessage(notification);
        foreach (var watcher in _watchedBy)
        {
            if (!watcher.Equals(_parent))
            {
                watcher.SendSystemMessage(notification);
            }
        }
        _watchedBy.Clear();
        foreach (var watchee in _watching)
        {
            if (watchee is InternalActorRef target)
            {
                target.SendSystemMessage(new Unwatch(target, SelfRef));
            }
        }
        _watching.Clear();
        _executor.Shutdown();
        _terminated.TrySetResult();
    }
}
