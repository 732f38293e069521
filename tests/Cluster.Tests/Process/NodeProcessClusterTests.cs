using System.Text.RegularExpressions;

namespace ActorCodistill.Cluster.Tests.Process;

/// <summary>
/// Real NodeHost processes (tests/NodeHost) killed, frozen and stopped with signals. Bounds are upper bounds only
/// (the wait timeouts); a slow machine makes them slower, never wrong.
/// </summary>
[Trait("Category", "Process")]
[Collection(NodeHostCluster.Collection)]
public sealed class NodeProcessClusterTests
{
    [Fact]
    public void Kill9_Member_OthersSeeUnreachableDownedRemoved_RestartSamePortJoinsAsNewUid()
    {
        using var c = new NodeHostCluster(nameof(Kill9_Member_OthersSeeUnreachableDownedRemoved_RestartSamePortJoinsAsNewUid));
        var a = c.StartSeed("a");
        var (b, victim) = Two(c.StartMembers(a, "b", "c"));
        NodeHostCluster.AwaitUp([a, b, victim], a, b, victim);

        victim.Process.Kill9();

        foreach (var observer in new[] { a, b })
        {
            observer.Process.WaitForLine(NodeHostCluster.EventPattern("MemberRemoved", victim), TimeSpan.FromSeconds(20));
            var events = NodeHostCluster.EventsAbout(observer, victim);
            NodeHostCluster.AssertInOrder(events, $"{observer.Process.Name} about the killed node", "MemberUp", "UnreachableMember", "MemberDowned", "MemberRemoved");
            Assert.Contains($"EVENT MemberRemoved {victim.Address} {victim.Uid} previous=Down", observer.Process.Lines);
        }

        var removedAt = new[] { a, b }.ToDictionary(o => o, o => o.Process.Lines.Count);
        victim.Process.Restart(["--port", victim.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--seed", a.HostPort, .. NodeHostCluster.Timings]);
        var restarted = NodeHostCluster.AwaitReady(victim.Process);

        Assert.Equal(victim.Address, restarted.Address);
        Assert.NotEqual(victim.Uid, restarted.Uid);
        NodeHostCluster.AwaitUp([a, b, restarted], a, b, restarted);
        foreach (var observer in new[] { a, b })
        {
            var later = observer.Process.Lines.Skip(removedAt[observer]).ToList();
            Assert.DoesNotContain(later, l => NodeHostCluster.IsEventAbout(l, victim));
        }
    }

    [Fact]
    public void Sigstop_Member_OthersSeeUnreachableDownedRemoved()
    {
        using var c = new NodeHostCluster(nameof(Sigstop_Member_OthersSeeUnreachableDownedRemoved));
        var (a, _, frozen) = FreezeUntilRemoved(c);

        // The old incarnation is refused by the transport from now on, not merely ignored by the gossip.
        Assert.Contains(a.Process.Lines, l => l.Contains("quarantined", StringComparison.Ordinal) && l.Contains($"#{unchecked((ulong)frozen.Uid)}", StringComparison.Ordinal));
    }

    /// <summary>
    /// The resumed node still has its connections and its Up view; the others refuse its gossip and answer it (and its
    /// heartbeats) with the gossip holding its tombstone, so it merges its own removal and exits.
    /// </summary>
    [Fact]
    public void Sigcont_AfterRemoval_NodeFindsItselfRemovedAndExits()
    {
        using var c = new NodeHostCluster(nameof(Sigcont_AfterRemoval_NodeFindsItselfRemovedAndExits));
        var (a, b, frozen) = FreezeUntilRemoved(c);
        var removedAt = new[] { a, b }.ToDictionary(o => o, o => o.Process.Lines.Count);

        frozen.Process.Resume();

        frozen.Process.WaitForLine(new Regex("^EXIT removed-by-cluster: ", RegexOptions.CultureInvariant), TimeSpan.FromSeconds(20));
        Assert.Equal(1, frozen.Process.WaitForExit());
        foreach (var observer in new[] { a, b })
        {
            var later = observer.Process.Lines.Skip(removedAt[observer]).ToList();
            Assert.DoesNotContain(later, l => NodeHostCluster.IsEventAbout(l, frozen));
        }
    }

    /// <summary>Three nodes Up; the third is frozen with SIGSTOP until both others have seen it unreachable, downed and removed.</summary>
    private static (HostedNode A, HostedNode B, HostedNode Frozen) FreezeUntilRemoved(NodeHostCluster c)
    {
        var a = c.StartSeed("a");
        var (b, frozen) = Two(c.StartMembers(a, "b", "c"));
        NodeHostCluster.AwaitUp([a, b, frozen], a, b, frozen);

        frozen.Process.Pause();

        foreach (var observer in new[] { a, b })
        {
            observer.Process.WaitForLine(NodeHostCluster.EventPattern("MemberRemoved", frozen), TimeSpan.FromSeconds(20));
            NodeHostCluster.AssertInOrder(NodeHostCluster.EventsAbout(observer, frozen), $"{observer.Process.Name} about the frozen node",
                "MemberUp", "UnreachableMember", "MemberDowned", "MemberRemoved");
            Assert.Contains($"EVENT MemberRemoved {frozen.Address} {frozen.Uid} previous=Down", observer.Process.Lines);
        }
        return (a, b, frozen);
    }

    [Fact]
    public void Sigterm_Member_LeavesGracefully_OthersNeverSeeItUnreachable()
    {
        using var c = new NodeHostCluster(nameof(Sigterm_Member_LeavesGracefully_OthersNeverSeeItUnreachable));
        var a = c.StartSeed("a");
        var (b, leaver) = Two(c.StartMembers(a, "b", "c"));
        NodeHostCluster.AwaitUp([a, b, leaver], a, b, leaver);

        var exitCode = leaver.Process.StopGracefully();

        Assert.Equal(0, exitCode);
        Assert.Contains(leaver.Process.Lines, l => l.StartsWith("EXIT shutdown: ClrExitReason, last status Exiting", StringComparison.Ordinal));
        foreach (var observer in new[] { a, b })
        {
            observer.Process.WaitForLine(NodeHostCluster.EventPattern("MemberRemoved", leaver), TimeSpan.FromSeconds(10));
            var events = NodeHostCluster.EventsAbout(observer, leaver);
            NodeHostCluster.AssertInOrder(events, $"{observer.Process.Name} about the leaving node", "MemberUp", "MemberLeft", "MemberExited", "MemberRemoved");
            Assert.DoesNotContain("UnreachableMember", events);
            Assert.DoesNotContain("MemberDowned", events);
            Assert.Contains($"EVENT MemberRemoved {leaver.Address} {leaver.Uid} previous=Exiting", observer.Process.Lines);
        }
    }

    [Fact]
    public void WrongSecret_Process_IsRefusedAndNeverBecomesMember()
    {
        using var c = new NodeHostCluster(nameof(WrongSecret_Process_IsRefusedAndNeverBecomesMember));
        var a = c.StartSeed("a");
        NodeHostCluster.AwaitUp([a], a);

        var stranger = NodeHostCluster.AwaitReady(c.Launch("stranger", ["--seed", a.HostPort], "not-the-cluster-secret-at-all"));

        // Two refused attempts: it keeps trying and keeps being refused.
        stranger.Process.WaitForLine(new Regex(@"association with \S+ failed \(attempt 2\): .*secret", RegexOptions.CultureInvariant), TimeSpan.FromSeconds(15));
        a.Process.WaitForLine(new Regex(@"refused connection from ", RegexOptions.CultureInvariant));
        Assert.DoesNotContain(a.Process.Lines, l => l.StartsWith("EVENT ", StringComparison.Ordinal) && l.Contains(stranger.Address, StringComparison.Ordinal));
        Assert.DoesNotContain(stranger.Process.Lines, l => l.StartsWith("EVENT ", StringComparison.Ordinal));
        Assert.False(stranger.Process.HasExited);
    }

    private static (HostedNode, HostedNode) Two(HostedNode[] nodes) => (nodes[0], nodes[1]);
}
