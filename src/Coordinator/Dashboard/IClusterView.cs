namespace ActorCodistill.Coordinator.Dashboard;

/// <summary>
/// The cluster's members as the dashboard lists them. The hosting supplies it: the embedded run shows this process
/// alone (<see cref="LocalProcessView"/>); a seed, its cluster's members. Called from the dashboard's own threads, never
/// the coordinator's: an implementation answers from a snapshot it keeps, without blocking.
/// </summary>
public interface IClusterView
{
    IReadOnlyList<ClusterMember> Members();
}

/// <summary>One member of the cluster.</summary>
/// <param name="Address">Its address (what <c>ctl drain</c> names).</param>
/// <param name="Status">Membership status: joining, up, leaving, exiting, down, removed.</param>
/// <param name="Incarnation">Tells a restarted node from its earlier life at the same address (its uid).</param>
/// <param name="Slots">The worker slots it holds, e.g. "g0/w1 on cpu:0".</param>
public sealed record ClusterMember(string Address, IReadOnlyList<string> Roles, IReadOnlyList<string> Devices, string Status, bool Reachable,
    string Incarnation, IReadOnlyList<string> Slots);
