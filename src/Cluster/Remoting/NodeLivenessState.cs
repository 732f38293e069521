using System.Collections.Immutable;
using ActorCodistill.Cluster.Remote;

namespace ActorCodistill.Cluster.Remoting;

/// <summary>
/// When each watched node's control channel went down. Immutable: every method returns a new state, so the
/// "is this node gone" decision is testable without sockets or threads.
/// </summary>
public sealed record NodeLivenessState(ImmutableDictionary<RemoteAddress, DateTimeOffset> DownSince)
{
    public static NodeLivenessState Empty { get; } = new(ImmutableDictionary<RemoteAddress, DateTimeOffset>.Empty);

    public NodeLivenessState Up(RemoteAddress node) => DownSince.ContainsKey(node) ? new(DownSince.Remove(node)) : this;

    /// <summary>Keeps the earliest time: a reconnect attempt failing again does not restart the clock.</summary>
    public NodeLivenessState Down(RemoteAddress node, DateTimeOffset at) => DownSince.ContainsKey(node) ? this : new(DownSince.SetItem(node, at));

    /// <summary>
    /// A node is gone when its channel has been down for <paramref name="unreachableAfter"/>, or when the failure
    /// detector (if consulted) says so.
    /// </summary>
    public bool IsGone(RemoteAddress node, DateTimeOffset now, TimeSpan unreachableAfter, bool detectorSaysUnavailable) =>
        detectorSaysUnavailable || (DownSince.TryGetValue(node, out var since) && now - since >= unreachableAfter);
}
