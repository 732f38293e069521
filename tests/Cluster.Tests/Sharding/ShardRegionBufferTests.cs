using ActorCodistill.Cluster.Sharding;

namespace ActorCodistill.Cluster.Tests.Sharding;

[Trait("Category", "Unit")]
public sealed class ShardRegionBufferTests
{
    private static readonly ActorCodistill.Cluster.Membership.UniqueAddress N1 = ShardCoordinatorStateTests.Node(1);
    private static readonly ActorCodistill.Cluster.Membership.UniqueAddress N2 = ShardCoordinatorStateTests.Node(2);

    [Fact]
    public void Deliver_UnknownHome_BuffersAndAsksOnce()
    {
        var buffer = ShardRegionBuffer<int>.Create(10);
        var (b1, o1) = buffer.Deliver("s", 1);
        var (b2, o2) = b1.Deliver("s", 2);
        Assert.Equal(new BufferOutcome<int>.Buffered(AskForHome: true), o1);
        Assert.Equal(new BufferOutcome<int>.Buffered(AskForHome: false), o2);
        Assert.Equal(2, b2.Count);

        var (b3, region, flush) = b2.HomeKnown("s", N1);
        Assert.Equal(N1, region);
        Assert.Equal([1, 2], flush.ToArray());
        Assert.Equal(0, b3.Count);
        Assert.Equal(new BufferOutcome<int>.SendTo(N1, 3), b3.Deliver("s", 3).Outcome);
    }

    [Fact]
    public void Handoff_MessagesBeforeDuringAfter_KeepOrder()
    {
        var buffer = ShardRegionBuffer<int>.Create(100).HomeKnown("s", N1).State;
        var sent = new List<(ActorCodistill.Cluster.Membership.UniqueAddress, int)>();

        void Send(int message)
        {
            var (next, outcome) = buffer.Deliver("s", message);
            buffer = next;
            if (outcome is BufferOutcome<int>.SendTo to)
            {
                sent.Add((to.Region, to.Message));
            }
        }

        Send(1);
        Send(2);
        buffer = buffer.BeginHandoff("s");
        Send(3);
        Send(4);
        Assert.Equal(2, buffer.QueuedFor("s"));
        Assert.Equal(2, sent.Count);

        var (state, region, flush) = buffer.HomeKnown("s", N2);
        buffer = state;
        sent.AddRange(flush.Select(m => (region, m)));
        Send(5);

        Assert.Equal([(N1, 1), (N1, 2), (N2, 3), (N2, 4), (N2, 5)], sent);
    }

    [Fact]
    public void Deliver_Full_OverflowNamesShardAndStateUnchanged()
    {
        var buffer = ShardRegionBuffer<string>.Create(2);
        buffer = buffer.Deliver("a", "x").State.Deliver("b", "y").State;
        var (after, outcome) = buffer.Deliver("a", "z");
        var overflow = Assert.IsType<BufferOutcome<string>.Overflow>(outcome);
        Assert.Contains("'a'", overflow.Reason);
        Assert.Contains("2 messages", overflow.Reason);
        Assert.Same(buffer, after);

        // A known home bypasses the buffer, so a full buffer does not stop traffic to settled shards.
        var settled = buffer.HomeKnown("b", N1).State;
        Assert.Equal(1, settled.Count);
        Assert.IsType<BufferOutcome<string>.SendTo>(settled.HomeKnownThenDeliver("c", N2, "w"));
    }

    [Fact]
    public void RegionTerminated_HomesOnItForgotten_NextMessageAsks()
    {
        var buffer = ShardRegionBuffer<int>.Create(10).HomeKnown("a", N1).State.HomeKnown("b", N2).State.RegionTerminated(N1);
        Assert.Equal(new BufferOutcome<int>.Buffered(AskForHome: true), buffer.Deliver("a", 1).Outcome);
        Assert.IsType<BufferOutcome<int>.SendTo>(buffer.Deliver("b", 1).Outcome);
    }
}

internal static class ShardRegionBufferTestExtensions
{
    public static BufferOutcome<T> HomeKnownThenDeliver<T>(this ShardRegionBuffer<T> buffer, string shard, ActorCodistill.Cluster.Membership.UniqueAddress region, T message) =>
        buffer.HomeKnown(shard, region).State.Deliver(shard, message).Outcome;
}
