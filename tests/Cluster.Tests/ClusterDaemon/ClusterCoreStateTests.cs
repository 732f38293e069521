using System.Collections.Immutable;
using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.ClusterDaemon;
using ActorCodistill.Cluster.Membership;

namespace ActorCodistill.Cluster.Tests.ClusterDaemon;

[Trait("Category", "Unit")]
public class ClusterCoreStateTests
{
    private static readonly UniqueAddress A = new(Address.Parse("act://c@127.0.0.1:2551"), 1);
    private static readonly UniqueAddress B = new(Address.Parse("act://c@127.0.0.1:2552"), 2);
    private static readonly UniqueAddress C = new(Address.Parse("act://c@127.0.0.1:2553"), 3);
    private static readonly ImmutableDictionary<UniqueAddress, ImmutableArray<string>> NoDevices = ImmutableDictionary<UniqueAddress, ImmutableArray<string>>.Empty;
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A, B, C all Up, as every node holds it after convergence; <paramref name="self"/>'s state.</summary>
    private static ClusterCoreState UpCluster(UniqueAddress self)
    {
        var g = Gossip.Empty.Join(A, A).Gossip.Join(A, B).Gossip.Join(A, C).Gossip;
        g = LeaderActions.Perform(g, A, LeaderSettings.Default, Now).Gossip.Seen(B).Seen(C);
        return ClusterCoreState.Initial(self).ReceiveGossip(A, self, g, NoDevices).State;
    }

    [Fact]
    public void ReceiveGossip_AddressedToAnotherIncarnation_Ignored()
    {
        var state = UpCluster(B);
        var step = state.ReceiveGossip(A, B with { Uid = 99 }, UpCluster(A).Gossip.Down(A, C), NoDevices);
        Assert.NotNull(step.Ignored);
        Assert.Same(state, step.State);
    }

    /// <summary>A's state after A downed C and the leader (A) removed it, B having seen the Down: C is tombstoned.</summary>
    private static ClusterCoreState WithCRemoved()
    {
        var a = UpCluster(A);
        var removed = a.Down([C]).State.PerformLeaderActions(LeaderSettings.Default, Now);
        // B has not seen the Down yet, so convergence blocks removal until B sees it.
        var b = UpCluster(B).ReceiveGossip(A, B, removed.State.Gossip, NoDevices).State;
        a = a.ReceiveGossip(B, A, b.Gossip, NoDevices).State.PerformLeaderActions(LeaderSettings.Default, Now).State;
        Assert.True(a.Gossip.Tombstones.ContainsKey(C));
        Assert.False(a.Gossip.HasMember(C));
        return a;
    }

    /// <summary>C as it wakes from SIGSTOP: still Up in its own view, its detectors giving up on A and B at once.</summary>
    private static ClusterCoreState ResumedC() => UpCluster(C).ApplyReachability(new HashSet<UniqueAddress> { A, B }).State;

    [Fact]
    public void ReceiveGossip_FromRemovedIncarnation_RefusedNothingMergedAndAnsweredWithOurs()
    {
        var a = WithCRemoved();

        var stale = ResumedC().Gossip.Down(C, B);
        var step = a.ReceiveGossip(C, A, stale, NoDevices);

        Assert.Contains("removed incarnation", step.Ignored);
        Assert.True(step.ReplyToSender);
        Assert.False(step.Changed);
        Assert.Empty(step.Events);
        Assert.Same(a, step.State);
        Assert.Equal(MemberStatus.Up, a.Gossip.Member(B)!.Status);
        Assert.Empty(a.Gossip.Reachability.AllUnreachable);
    }

    [Fact]
    public void IsRemovedIncarnation_TombstonedOtherNode_TrueElseFalse()
    {
        var a = WithCRemoved();
        Assert.True(a.IsRemovedIncarnation(C));
        Assert.False(a.IsRemovedIncarnation(B));
        Assert.False(a.IsRemovedIncarnation(C with { Uid = 4 }));
        Assert.False(UpCluster(A).IsRemovedIncarnation(C));
    }

    [Fact]
    public void ResumedRemovedNode_MergesTheAnswerHoldingItsTombstone_SelfGoneAndMustStop()
    {
        var a = WithCRemoved();
        var c = ResumedC();
        Assert.False(c.MustStop);
        Assert.Equal(MemberStatus.Up, c.SelfMember!.Status);
        // Concurrent versions: C bumped its own counter (reachability) after A's removal step, which C never saw.
        Assert.Equal(VectorClockOrdering.Concurrent, c.Gossip.Version.Compare(a.Gossip.Version));

        var atA = a.ReceiveGossip(C, A, c.Gossip, NoDevices);
        Assert.True(atA.ReplyToSender);
        var atC = c.ReceiveGossip(A, C, atA.State.Gossip, NoDevices);

        Assert.Null(atC.Ignored);
        Assert.Null(atC.State.SelfMember);
        Assert.True(atC.State.Gossip.Tombstones.ContainsKey(C));
        Assert.True(atC.State.MustStop);
        Assert.Equal([A, B], atC.State.Gossip.Members.Select(m => m.Node).ToArray());
        // Nothing to answer: C is gone from the merged gossip, so it never sends its stale view back.
        Assert.False(atC.ReplyToSender);
    }

    [Fact]
    public void ResumedRemovedNode_AfterMergingItsRemoval_IgnoresLaterGossip()
    {
        var a = WithCRemoved();
        var removedC = ResumedC().ReceiveGossip(A, C, a.Gossip, NoDevices).State;
        Assert.True(removedC.MustStop);

        var later = removedC.ReceiveGossip(B, C, UpCluster(B).Gossip, NoDevices);

        Assert.Equal("this node was removed", later.Ignored);
        Assert.Same(removedC, later.State);
    }

    [Fact]
    public void ReceiveGossip_Exchange_StopsOnceBothHoldTheSameGossip()
    {
        var a = UpCluster(A).Down([C]).State;
        var b = UpCluster(B);

        var atB = b.ReceiveGossip(A, B, a.Gossip, NoDevices);
        Assert.True(atB.ReplyToSender);
        Assert.Contains(atB.Events, e => e is MemberDowned d && d.Member.Node == C);
        var atA = a.ReceiveGossip(B, A, atB.State.Gossip, NoDevices);
        Assert.False(atA.ReplyToSender);
        Assert.Equal(atB.State.Gossip, atA.State.Gossip);
        Assert.True(atA.State.Gossip.HasSeen(A) && atA.State.Gossip.HasSeen(B));
    }

    [Fact]
    public void MustStop_WhenGossipSaysSelfIsDown_True()
    {
        var c = UpCluster(C);
        Assert.False(c.MustStop);
        var downed = UpCluster(A).Down([C]).State.Gossip;
        Assert.True(c.ReceiveGossip(A, C, downed, NoDevices).State.MustStop);
        Assert.False(ClusterCoreState.Initial(C).MustStop);
    }

    [Fact]
    public void ApplyReachability_DetectorVerdicts_MarkedThenCleared()
    {
        var a = UpCluster(A);
        var marked = a.ApplyReachability(new HashSet<UniqueAddress> { C });
        Assert.True(marked.Changed);
        Assert.Equal([C], marked.State.Gossip.Reachability.AllUnreachableFrom(A));
        Assert.Contains(marked.Events, e => e is UnreachableMember u && u.Member.Node == C);
        Assert.DoesNotContain(C, marked.State.GossipTargets);

        var again = marked.State.ApplyReachability(new HashSet<UniqueAddress> { C });
        Assert.False(again.Changed);

        var cleared = marked.State.ApplyReachability(new HashSet<UniqueAddress>());
        Assert.Empty(cleared.State.Gossip.Reachability.AllUnreachableFrom(A));
        Assert.Contains(cleared.Events, e => e is ReachableMember r && r.Member.Node == C);
    }

    [Fact]
    public void HandleJoin_NewNodeWithDevices_JoinedAndDevicesKept()
    {
        var d = new UniqueAddress(Address.Parse("act://c@127.0.0.1:2554"), 4);
        var (step, outcome) = UpCluster(A).HandleJoin(d, ["worker"], ["cuda:0"]);
        Assert.Equal(JoinOutcome.Joined, outcome);
        Assert.True(step.Changed);
        Assert.Equal(MemberStatus.Joining, step.State.Gossip.Member(d)!.Status);
        Assert.Equal(["cuda:0"], step.State.Devices[d].ToArray());
    }

    [Fact]
    public void HandleJoin_NotYetAMember_Ignored()
    {
        var (step, outcome) = ClusterCoreState.Initial(A).HandleJoin(B, [], []);
        Assert.Null(outcome);
        Assert.NotNull(step.Ignored);
    }
}
