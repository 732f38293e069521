using Akka.Cluster;

namespace ActorCodistill.Cluster.Slots;

/// <summary>
/// How a worker node announces its devices on Akka.Cluster: one role per device, <c>device:NAME</c> (for instance
/// <c>device:cuda:0</c>, <c>device:cpu-slot-1</c>), next to its <c>worker</c> role. Roles travel with membership, so
/// every node, the shard coordinator included, knows each member's devices without a message of its own.
/// </summary>
public static class DeviceRoles
{
    public const string Prefix = "device:";

    /// <summary>The roles announcing <paramref name="devices"/>.</summary>
    public static IEnumerable<string> For(IEnumerable<string> devices) => devices.Select(d =>
        string.IsNullOrWhiteSpace(d) ? throw new ArgumentException("a device name must not be empty", nameof(devices)) : Prefix + d);

    /// <summary>The devices <paramref name="member"/> announced, in name order.</summary>
    public static IReadOnlyList<string> Of(Member member) =>
        member.Roles.Where(r => r.StartsWith(Prefix, StringComparison.Ordinal)).Select(r => r[Prefix.Length..]).Order(StringComparer.Ordinal).ToArray();
}
