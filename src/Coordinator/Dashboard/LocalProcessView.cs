using System.Diagnostics;
using System.Globalization;

namespace ActorCodistill.Coordinator.Dashboard;

/// <summary>The embedded run's cluster: this process, holding every group's workers.</summary>
public sealed class LocalProcessView : IClusterView
{
    private readonly IReadOnlyList<ClusterMember> _members;

    public LocalProcessView(int groups, int workersPerGroup)
    {
        using var process = Process.GetCurrentProcess();
        var incarnation = string.Create(CultureInfo.InvariantCulture, $"pid {process.Id}, started {process.StartTime.ToUniversalTime():yyyy-MM-dd HH:mm:ss}Z");
        var slots = Enumerable.Range(0, groups)
            .SelectMany(g => Enumerable.Range(0, workersPerGroup).Select(w => string.Create(CultureInfo.InvariantCulture, $"g{g}/w{w}")))
            .ToArray();
        _members =
        [
            new ClusterMember($"this process ({Environment.MachineName})", ["embedded", "coordinator", "worker"],
                [string.Create(CultureInfo.InvariantCulture, $"cpu ({Environment.ProcessorCount} cores)")], "up", true, incarnation, slots),
        ];
    }

    public IReadOnlyList<ClusterMember> Members() => _members;
}
