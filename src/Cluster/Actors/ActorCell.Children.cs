namespace ActorCodistill.Cluster.Actors;

internal sealed partial class ActorCell
{
    private readonly object _childrenLock = new();
    private readonly Dictionary<string, ChildEntry> _children = new(StringComparer.Ordinal);

    // Children asked to stop are out of the name map at once (the name is free again) but are waited for
    // before this actor finishes stopping or restarting, so PostStop runs children first.
    private readonly HashSet<IActorRef> _stoppingChildren = new();
    private long _nextAnonymous;

    internal sealed class ChildEntry(LocalActorRef actorRef)
    {
        public LocalActorRef Ref { get; } = actorRef;

        public ChildRestartStats Stats { get; } = new();
    }

    public IReadOnlyCollection<IActorRef> Children
    {
        get
        {
            lock (_childrenLock)
            {
                return _children.Values.Select(c => (IActorRef)c.Ref).ToArray();
            }
        }
    }

    public IActorRef Child(string name)
    {
        lock (_childrenLock)
        {
            return _children.TryGetValue(name, out var entry) ? entry.Ref : Nobody.Instance;
        }
    }

    public IActorRef ActorOf(Props props, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(props);
        lock (_childrenLock)
        {
            if (_terminating)
            {
                throw new InvalidOperationException(
                    $"Cannot create child '{name}' of {SelfRef.Path}: it is stopping.");
            }
            var generated = name is null;
            name ??= "$" + Base64Name(_nextAnonymous++);
            ValidateName(name, anonymousAllowed: generated);
            if (_children.ContainsKey(name))
            {
                throw new InvalidActorNameException($"Actor name '{name}' is not unique under {SelfRef.Path}.");
            }
            var path = SelfRef.Path.Child(name, NewUid());
            var cell = new ActorCell(_system, props, path, SelfRef);
            _children[name] = new ChildEntry(cell.SelfRef);
            cell.Start();
            return cell.SelfRef;
        }
    }

    public void Stop(IActorRef actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (actor is not InternalActorRef target)
        {
            return;
        }
        lock (_childrenLock)
        {
            if (_children.TryGetValue(actor.Path.Name, out var entry) && entry.Ref.Equals(actor))
            {
                _children.Remove(actor.Path.Name);
                _stoppingChildren.Add(entry.Ref);
            }
        }
        target.SendSystemMessage(Terminate.Instance);
    }

    internal ChildEntry? FindChild(IActorRef child)
    {
        lock (_childrenLock)
        {
            return _children.TryGetValue(child.Path.Name, out var entry) && entry.Ref.Equals(child) ? entry : null;
        }
    }

    internal ChildEntry[] ChildEntries()
    {
        lock (_childrenLock)
        {
            return _children.Values.ToArray();
        }
    }

    /// <summary>Returns true when <paramref name="child"/> was a child (live or stopping) of this actor.</summary>
    private bool RemoveChild(IActorRef child)
    {
        lock (_childrenLock)
        {
            if (_children.TryGetValue(child.Path.Name, out var entry) && entry.Ref.Equals(child))
            {
                _children.Remove(child.Path.Name);
                return true;
            }
            return _stoppingChildren.Remove(child);
        }
    }

    private int StoppingChildCount
    {
        get
        {
            lock (_childrenLock)
            {
                return _stoppingChildren.Count;
            }
        }
    }

    private void StopAllChildren()
    {
        LocalActorRef[] children;
        lock (_childrenLock)
        {
            children = _children.Values.Select(c => c.Ref).ToArray();
            _children.Clear();
            foreach (var child in children)
            {
                _stoppingChildren.Add(child);
            }
        }
        foreach (var child in children)
        {
            child.SendSystemMessage(Terminate.Instance);
        }
    }

    internal static long NewUid()
    {
        long uid;
        do
        {
            uid = Random.Shared.NextInt64(1, long.MaxValue);
        }
        while (uid == 0);
        return uid;
    }

    internal static void ValidateName(string name, bool anonymousAllowed)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new InvalidActorNameException("Actor name must not be empty.");
        }
        if (name[0] == '$' && !anonymousAllowed)
        {
            throw new InvalidActorNameException($"Actor name '{name}' must not start with '$' (reserved).");
        }
        foreach (var c in name)
        {
            if (c is '/' or '#' or '@' or ':' || char.IsWhiteSpace(c) || char.IsControl(c))
            {
                throw new InvalidActorNameException(
                    $"Actor name '{name}' contains '{c}'; names may not contain / # @ : or whitespace.");
            }
        }
    }

    private static string Base64Name(long n)
    {
        const string chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+~";
        var buffer = new System.Text.StringBuilder();
        do
        {
            buffer.Append(chars[(int)(n & 63)]);
            n >>= 6;
        }
        while (n != 0);
        return buffer.ToString();
    }
}
