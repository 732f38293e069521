using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.Membership;

namespace ActorCodistill.Cluster.Tests.Membership;

/// <summary>Loopback node addresses that sort by port, so node(1) &lt; node(2) &lt; ... in the cluster's address ordering.</summary>
internal static class MembershipTestNodes
{
    public static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static Address Addr(int i) => new(Address.DefaultProtocol, "sys", "127.0.0.1", 2550 + i);

    public static UniqueAddress Node(int i, long uid = 1) => new(Addr(i), uid);

    public static Gossip SeenByAll(this Gossip gossip) =>
        gossip.Members.Aggregate(gossip, (g, m) => g.Seen(m.Node));

    /// <summary>Runs leader actions as <paramref name="self"/> after everyone has seen the gossip.</summary>
    public static LeaderActionsResult ConvergedLeaderActions(this Gossip gossip, UniqueAddress self, LeaderSettings? settings = null) =>
        LeaderActions.Perform(gossip.SeenByAll(), self, settings ?? LeaderSettings.Default, T0);

    public static Gossip JoinOk(this Gossip gossip, UniqueAddress self, UniqueAddress joining, params string[] roles)
    {
        var (result, outcome) = gossip.Join(self, joining, roles);
        Assert.Equal(JoinOutcome.Joined, outcome);
        return result;
    }

    /// <summary>Nodes 1..n joined through node 1 and all moved Up by the leader.</summary>
    public static Gossip UpCluster(int n)
    {
        var g = Gossip.Empty.JoinOk(Node(1), Node(1));
        for (var i = 2; i <= n; i++)
        {
            g = g.JoinOk(Node(1), Node(i));
        }

        g = g.ConvergedLeaderActions(Node(1)).Gossip;
        Assert.All(g.Members, m => Assert.Equal(MemberStatus.Up, m.Status));
        return g.SeenByAll();
    }
}
