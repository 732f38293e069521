using ActorCodistill.Cluster.Remote;
using ActorCodistill.Cluster.Remoting;

namespace ActorCodistill.Cluster.Tests.Remoting;

[Trait("Category", "Unit")]
public class NodeLivenessStateTests
{
    private static readonly RemoteAddress Node = new("codistill", "127.0.0.1", 4053);
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan After = TimeSpan.FromSeconds(5);

    [Fact]
    public void IsGone_DownShorterThanLimit_False() =>
        Assert.False(NodeLivenessState.Empty.Down(Node, T0).IsGone(Node, T0 + TimeSpan.FromSeconds(4.999), After, detectorSaysUnavailable: false));

    [Fact]
    public void IsGone_DownExactlyTheLimit_True() =>
        Assert.True(NodeLivenessState.Empty.Down(Node, T0).IsGone(Node, T0 + After, After, detectorSaysUnavailable: false));

    [Fact]
    public void Down_Again_KeepsEarliestTime()
    {
        var state = NodeLivenessState.Empty.Down(Node, T0).Down(Node, T0 + TimeSpan.FromSeconds(3));
        Assert.True(state.IsGone(Node, T0 + After, After, detectorSaysUnavailable: false));
    }

    [Fact]
    public void Up_AfterDown_ResetsTheClock()
    {
        var state = NodeLivenessState.Empty.Down(Node, T0).Up(Node);
        Assert.False(state.IsGone(Node, T0 + TimeSpan.FromHours(1), After, detectorSaysUnavailable: false));
    }

    [Fact]
    public void IsGone_DetectorUnavailable_TrueEvenWhenChannelUp() =>
        Assert.True(NodeLivenessState.Empty.IsGone(Node, T0, After, detectorSaysUnavailable: true));
}
