namespace ActorCodistill.Cluster.Actors;

/// <summary>What a Tell into a full bounded mailbox does.</summary>
public enum OverflowPolicy
{
    /// <summary>The new message goes to dead letters (counted); the sender is not told.</summary>
    DropNewest,

    /// <summary>Tell throws <see cref="MailboxOverflowException"/>.</summary>
    Fail,
}

/// <summary>User-message queue of an actor. System messages are always unbounded and go first.</summary>
public sealed record MailboxSettings
{
    private MailboxSettings(int? capacity, OverflowPolicy overflow)
    {
        Capacity = capacity;
        Overflow = overflow;
    }

    /// <summary>Null means unbounded.</summary>
    public int? Capacity { get; }

    public OverflowPolicy Overflow { get; }

    public static MailboxSettings Unbounded { get; } = new(null, OverflowPolicy.DropNewest);

    public static MailboxSettings Bounded(int capacity, OverflowPolicy overflow)
    {
        if (capacity <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "Mailbox capacity must be positive.");
        }
        return new MailboxSettings(capacity, overflow);
    }

    public override string ToString() => Capacity is null ? "unbounded" : $"bounded({Capacity}, {Overflow})";
}
