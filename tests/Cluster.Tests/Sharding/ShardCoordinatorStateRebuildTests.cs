using ActorCodistill.Cluster.Membership;
using ActorCodistill.Cluster.Sharding;

namespace ActorCodistill.Cluster.Tests.Sharding;

/// <summary>The state transitions the coordinator actor added: rebuilding from registrations, aborting a handoff, proxies.</summary>
[Trait("Category", "Unit")]
public sealed class ShardCoordinatorStateRebuildTests
{
    private static readonly UniqueAddress N1 = ShardCoordinatorStateTests.Node(1);
    private static readonly UniqueAddress N2 = ShardCoordinatorStateTests.Node(2);

    [Fact]
    public void RecordHostedShards_NewCoordinator_KeepsReportedHomesAndPinsAndReportsConflicts()
    {
        var (state, conflicts) = ShardCoordinatorState.Empty.RecordHostedShards(N1, ["3", "g0/1"], s => s == "g0/1" ? "cuda:1" : null);
        state = state.RegisterRegion(N1, ["cuda:1"]).State;
        var (again, clash) = state.RecordHostedShards(N2, ["3", "5"], _ => null);
        again = again.RegisterRegion(N2, []).State;

        Assert.Empty(conflicts);
        Assert.Equal(N1, again.Shards["3"]);
        Assert.Equal(N1, again.Shards["g0/1"]);
        Assert.Equal(N2, again.Shards["5"]);
        Assert.Equal("cuda:1", again.PinnedSlots["g0/1"]);
        Assert.Equal([("3", N1)], clash.ToArray());
        // A rebuilt shard answers its recorded home rather than being placed afresh by least shards.
        Assert.Equal(new AllocationDecision.To(N1), again.Allocate("3", N2).Decision);
    }

    [Fact]
    public void AbortHandoff_Stopping_ShardStaysOnOldRegionAndAllocatesAgain()
    {
        var state = ShardCoordinatorState.Empty.RegisterRegion(N1, []).State;
        foreach (var shard in new[] { "1", "2", "3" }) state = state.Allocate(shard, N1).State;
        state = state.RegisterRegion(N2, []).State;
        var step = state.BeginHandoff(new ShardMove("1", N1, N2));
        step = step.State.BeginHandoffAcked("1", N1).State.BeginHandoffAcked("1", N2);
        Assert.Equal(HandoffPhase.Stopping, step.State.Handoffs["1"].Phase);

        var (aborted, home) = step.State.AbortHandoff("1");

        Assert.Equal(N1, home);
        Assert.Empty(aborted.Handoffs);
        Assert.Equal(new AllocationDecision.To(N1), aborted.Allocate("1", N2).Decision);
        // A late ShardStopped for the aborted handoff changes nothing.
        Assert.Equal(N1, aborted.ShardStopped("1").State.Shards["1"]);
        Assert.Null(aborted.AbortHandoff("1").Home);
    }

    [Fact]
    public void Allocate_ProxyRequester_PlacesOnRegistered()
    {
        var state = ShardCoordinatorState.Empty.RegisterRegion(N2, []).State;

        var result = state.Allocate("9", requester: null);

        Assert.Equal(new AllocationDecision.To(N2), result.Decision);
        Assert.IsType<AllocationDecision.Refused>(state.Allocate("9", N1).Decision);
    }
}
