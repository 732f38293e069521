namespace ActorCodistill.Cluster.Actors;

/// <summary>Implemented by actors that stash; the runtime sets <see cref="Stash"/> before PreStart.</summary>
public interface IWithStash
{
    IStash Stash { get; set; }
}

public interface IStash
{
    /// <summary>Keeps the current message (with its sender) for later.</summary>
    void Stash();

    /// <summary>Puts the oldest stashed message back in front of the mailbox.</summary>
    void Unstash();

    /// <summary>Puts all stashed messages back in front of the mailbox, in their original order.</summary>
    void UnstashAll();

    int Count { get; }
}

/// <summary>Lives in the cell, so a restarted incarnation gets the same stash (unstashed into its mailbox).</summary>
internal sealed class StashImpl(ActorCell cell) : IStash
{
    private readonly List<Envelope> _stashed = new();

    public int Count => _stashed.Count;

    public void Stash()
    {
        var current = cell.CurrentEnvelope;
        if (current.Message is null)
        {
            throw new InvalidOperationException($"{cell.SelfRef.Path}: Stash() called outside message processing.");
        }
        _stashed.Add(current);
    }

    public void Unstash()
    {
        if (_stashed.Count == 0)
        {
            return;
        }
        cell.PrependFront([_stashed[0]]);
        _stashed.RemoveAt(0);
    }

    public void UnstashAll()
    {
        if (_stashed.Count == 0)
        {
            return;
        }
        cell.PrependFront(_stashed.ToArray());
        _stashed.Clear();
    }

    internal void DrainToDeadLetters()
    {
        foreach (var envelope in _stashed)
        {
            cell.System.RecordDeadLetter(new DeadLetter(envelope.Message, envelope.Sender, cell.SelfRef));
        }
        _stashed.Clear();
    }
}
