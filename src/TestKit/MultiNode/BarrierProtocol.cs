namespace ActorCodistill.TestKit.MultiNode;

/// <summary>Local commands to a node's barrier actor; the cross-node messages are BarrierEnter / BarrierDone (remoting.proto).</summary>
internal abstract record BarrierCommand;

/// <summary>This node enters <paramref name="Name"/> and reports to the coordinator's barrier actor.</summary>
internal sealed record EnterBarrier(string Name, int Node, string CoordinatorPath) : BarrierCommand;

/// <summary>To the coordinator only: the nodes (index -> barrier actor path) that must enter before all may go on.</summary>
internal sealed record ExpectBarrier(string Name, IReadOnlyDictionary<int, string> Nodes) : BarrierCommand;
