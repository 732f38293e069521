namespace ActorCodistill.Cluster.Remoting;

/// <summary>
/// Settings of the actor-level remoting layer (the transport below keeps its own <c>Remote.RemoteSettings</c>).
/// </summary>
public sealed record RemotingSettings
{
    /// <summary>
    /// A watched node whose control channel stays down this long (or whose phi detector says unavailable, when
    /// <see cref="UseFailureDetector"/> is on) is declared gone: its watchers get Terminated with AddressTerminated.
    /// </summary>
    public TimeSpan UnreachableAfter { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often watched nodes are checked, on the failure clock.</summary>
    public TimeSpan CheckInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Also declare a node gone when the transport's phi-accrual detector marks it unavailable.</summary>
    public bool UseFailureDetector { get; init; } = true;

    public static RemotingSettings Default { get; } = new();

    public void Validate()
    {
        if (UnreachableAfter < TimeSpan.Zero)
            throw new ArgumentException($"remoting setting 'unreachable-after' must not be negative, was {UnreachableAfter}");
        if (CheckInterval <= TimeSpan.Zero)
            throw new ArgumentException($"remoting setting 'check-interval' must be positive, was {CheckInterval}");
    }
}
