using System.Collections.Immutable;

namespace ActorCodistill.Cluster.Remote.FailureDetection;

/// <summary>
/// What the heartbeat timer needs to know, as an immutable value (Akka's ClusterHeartbeatSenderState shape):
/// whom to heartbeat, the next sequence number, and which receivers have answered at least once.
/// Every method returns a new copy; the timer swaps it atomically.
/// </summary>
public sealed record HeartbeatSenderState
{
    public static HeartbeatSenderState Empty { get; } = new();

    public ImmutableSortedSet<string> Receivers { get; private init; } = ImmutableSortedSet<string>.Empty;
    public ImmutableHashSet<string> Responded { get; private init; } = ImmutableHashSet<string>.Empty;
    public long SequenceNr { get; private init; }

    public HeartbeatSenderState AddReceiver(string receiver) => this with { Receivers = Receivers.Add(receiver) };

    public HeartbeatSenderState RemoveReceiver(string receiver) =>
        this with { Receivers = Receivers.Remove(receiver), Responded = Responded.Remove(receiver) };

    /// <summary>Advances the sequence number; the caller sends one heartbeat with it to each of <see cref="Receivers"/>.</summary>
    public HeartbeatSenderState Tick() => this with { SequenceNr = SequenceNr + 1 };

    /// <summary>Records a response; responses from removed receivers or from the future are ignored.</summary>
    public HeartbeatSenderState HeartbeatRsp(string from, long sequenceNr) =>
        Receivers.Contains(from) && sequenceNr <= SequenceNr && sequenceNr > 0 ? this with { Responded = Responded.Add(from) } : this;

    public bool HasResponded(string receiver) => Responded.Contains(receiver);
}
