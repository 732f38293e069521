using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.ClusterDaemon;
using ActorCodistill.Cluster.Membership;
using ActorCodistill.Cluster.Sharding.Protocol;

namespace ActorCodistill.Cluster.Sharding;

/// <summary>Where the sharding actors live, which member runs the coordinator, and the proto form of a region's node.</summary>
internal static class ShardingNames
{
    public const string Guardian = "sharding";

    public static string RegionName(string typeName) => typeName;

    public static string CoordinatorName(string typeName) => typeName + "Coordinator";

    public static string RegionPath(Address node, string typeName) => $"{node}/system/{Guardian}/{RegionName(typeName)}";

    public static string CoordinatorPath(Address node, string typeName) => $"{node}/system/{Guardian}/{CoordinatorName(typeName)}";

    /// <summary>Actor names may not hold '/', '#', '@', ':' or whitespace; entity and shard ids may.</summary>
    public static string Escape(string id) => Uri.EscapeDataString(id);

    /// <summary>
    /// The coordinator's node: the oldest member (lowest up-number, then address) that is Up, Leaving or Exiting
    /// and has <paramref name="role"/>. Every node computes this from its own view, so during a membership change two
    /// nodes may briefly disagree; see docs/sharding.md.
    /// </summary>
    public static UniqueAddress? OldestWithRole(CurrentClusterState state, string? role) =>
        Member.OldestFirst(state.Members, role).FirstOrDefault();

    /// <summary>A node a region may send to: itself, or a member not down, removed or seen unreachable.</summary>
    public static bool IsUsable(CurrentClusterState state, UniqueAddress self, UniqueAddress node) =>
        node.Equals(self)
        || (state.Members.Any(m => m.Node.Equals(node) && m.Status is not (MemberStatus.Down or MemberStatus.Removed))
            && !state.Unreachable.Any(m => m.Node.Equals(node)));

    public static ShardRegionId ToProto(UniqueAddress node) => new() { Address = node.Address.ToString(), Uid = node.Uid };

    /// <exception cref="FormatException">When the id is missing or its address is not <c>act://system@host:port</c>.</exception>
    public static UniqueAddress FromProto(ShardRegionId? id)
    {
        if (id is null || string.IsNullOrEmpty(id.Address)) throw new FormatException("sharding message lacks a region address");
        return new UniqueAddress(Address.Parse(id.Address), id.Uid);
    }
}
