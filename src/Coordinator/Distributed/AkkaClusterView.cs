using System.Globalization;
using ActorCodistill.Cluster.Slots;
using ActorCodistill.Coordinator.Dashboard;
using Akka.Actor;
using AkkaCluster = Akka.Cluster.Cluster;

namespace ActorCodistill.Coordinator.Distributed;

/// <summary>
/// A seed's cluster for the dashboard: Akka.Cluster's members (status, reachability, uid as the incarnation, devices
/// from their <see cref="DeviceRoles"/>) and the slots the seed's placement has given each (polled once a second from
/// <c>/user/job/placement</c> from the first time the members are asked for, so a seed without a dashboard polls
/// nothing, and <see cref="Members"/> answers from snapshots and never blocks). Empty until the seed's ActorSystem is
/// attached.
/// </summary>
public sealed class AkkaClusterView : IClusterView, IDisposable
{
    private volatile ActorSystem? _system;
    private volatile IReadOnlyList<string> _placement = [];
    private Timer? _poll;

    public void Attach(ActorSystem system) => _system = system;

    private void Poll()
    {
        if (_system is not { } system || system.WhenTerminated.IsCompleted) return;
        system.ActorSelection($"/user/{SeedHosting.JobActorName}/placement").Ask<PlacementView>(new GetPlacement(), TimeSpan.FromSeconds(2))
            .ContinueWith(t =>
            {
                if (t.IsCompletedSuccessfully) _placement = t.Result.Lines;
            }, TaskScheduler.Default);
    }

    public IReadOnlyList<ClusterMember> Members()
    {
        if (_system is not { } system || system.WhenTerminated.IsCompleted) return [];
        if (_poll is null)
        {
            var poll = new Timer(_ => Poll(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            if (Interlocked.CompareExchange(ref _poll, poll, null) is null) poll.Change(TimeSpan.Zero, TimeSpan.FromSeconds(1));
            else poll.Dispose();
        }
        var state = AkkaCluster.Get(system).State;
        var unreachable = state.Unreachable.Select(m => m.UniqueAddress).ToHashSet();
        var placement = _placement;
        return state.Members.Select(m => new ClusterMember(
                m.Address.ToString(),
                m.Roles.Where(r => !r.StartsWith(DeviceRoles.Prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray(),
                DeviceRoles.Of(m),
                m.Status.ToString().ToLowerInvariant(),
                !unreachable.Contains(m.UniqueAddress),
                m.UniqueAddress.Uid.ToString(CultureInfo.InvariantCulture),
                SlotsOf(placement, m.Address.ToString())))
            .ToArray();
    }

    /// <summary>The occupied slots of <paramref name="address"/> in the placement's lines ("ADDRESS[ flags]: cpu:0=g0/s1#0, cpu:1=free").</summary>
    internal static IReadOnlyList<string> SlotsOf(IReadOnlyList<string> placement, string address)
    {
        var line = placement.FirstOrDefault(l => l.StartsWith(address + ":", StringComparison.Ordinal) || l.StartsWith(address + " ", StringComparison.Ordinal));
        if (line is null) return [];
        var colon = line.IndexOf(": ", StringComparison.Ordinal);
        if (colon < 0) return [];
        return line[(colon + 2)..].Split(", ", StringSplitOptions.RemoveEmptyEntries)
            .Select(entry => entry.Split('=', 2))
            .Where(parts => parts.Length == 2 && parts[1] != "free")
            .Select(parts => $"{parts[1]} on {parts[0]}")
            .ToArray();
    }

    public void Dispose() => _poll?.Dispose();
}
