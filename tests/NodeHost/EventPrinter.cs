using System.Globalization;
using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.ClusterDaemon;
using ActorCodistill.Cluster.Membership;

namespace ActorCodistill.NodeHost;

/// <summary>
/// Prints one stdout line per cluster event, the format tests match:
/// <c>EVENT &lt;EventType&gt; &lt;address&gt; &lt;uid&gt;[ previous=&lt;status&gt;]</c>, and <c>EVENT LeaderChanged &lt;address&gt; &lt;uid&gt;</c>
/// (<c>none</c> when there is no leader).
/// </summary>
internal sealed class EventPrinter : ReceiveActor
{
    public EventPrinter(Action<string> print)
    {
        Receive<CurrentClusterState>(_ => { });
        Receive<MemberRemoved>(e => print(Line(e, e.Member.Node) + $" previous={e.PreviousStatus}"));
        Receive<MemberEvent>(e => print(Line(e, e.Member.Node)));
        Receive<UnreachableMember>(e => print(Line(e, e.Member.Node)));
        Receive<ReachableMember>(e => print(Line(e, e.Member.Node)));
        Receive<LeaderChanged>(e => print(e.Leader is { } leader ? Line(e, leader) : "EVENT LeaderChanged none"));
    }

    private static string Line(ClusterEvent e, UniqueAddress node) =>
        string.Create(CultureInfo.InvariantCulture, $"EVENT {e.GetType().Name} {node.Address} {node.Uid}");
}
