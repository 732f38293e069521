using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.Remoting;
using ActorCodistill.Cluster.Remoting.Protocol;

namespace ActorCodistill.TestKit.MultiNode;

/// <summary>
/// One per node, at /system/multinode-barrier. Every node tells the coordinator (the lowest live node) over remoting
/// that it entered a barrier; when all expected nodes have, the coordinator tells each of them BarrierDone, and each
/// node reports that to the test thread through <paramref name="passed"/>.
/// </summary>
internal sealed class BarrierActor : ReceiveActor
{
    public const string Name = "multinode-barrier";

    private readonly Dictionary<string, IReadOnlyDictionary<int, string>> _expected = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<int>> _entered = new(StringComparer.Ordinal);

    public BarrierActor(Action<string> passed)
    {
        Receive<EnterBarrier>(enter =>
            Context.System.ResolveRemote(enter.CoordinatorPath).Tell(new BarrierEnter { Name = enter.Name, Node = enter.Node }));
        Receive<ExpectBarrier>(expect =>
        {
            _expected[expect.Name] = expect.Nodes;
            TryRelease(expect.Name);
        });
        Receive<BarrierEnter>(enter =>
        {
            if (!_entered.TryGetValue(enter.Name, out var nodes)) _entered[enter.Name] = nodes = [];
            nodes.Add(enter.Node);
            TryRelease(enter.Name);
        });
        Receive<BarrierDone>(done => passed(done.Name));
    }

    private void TryRelease(string name)
    {
        if (!_expected.TryGetValue(name, out var expected) || !_entered.TryGetValue(name, out var entered)) return;
        if (!expected.Keys.All(entered.Contains)) return;
        _expected.Remove(name);
        _entered.Remove(name);
        foreach (var path in expected.Values) Context.System.ResolveRemote(path).Tell(new BarrierDone { Name = name });
    }
}
