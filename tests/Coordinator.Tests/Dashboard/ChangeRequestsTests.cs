using ActorCodistill.Coordinator.Dashboard;
using ActorCodistill.Coordinator.Job;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Tests.Dashboard;

[Trait("Category", "Unit")]
public sealed class ChangeRequestsTests
{
    [Fact]
    public void EachKind_IsTheMessageCtlSends()
    {
        Assert.Equal(new ChangeTopology(TopologyKind.AllToAll, 40), ChangeRequests.ToMessage(new ChangeRequest("topology", "all-to-all", 40)));
        Assert.Equal(new ChangeReloadInterval(25), ChangeRequests.ToMessage(new ChangeRequest("reload-interval", " 25 ")));
        Assert.Equal(new ChangeDistillWeight(12.5, null, true), ChangeRequests.ToMessage(new ChangeRequest("weight", "12.5", Confirm: true)));
        Assert.Equal(new DrainNode("act://codistill@10.0.0.7:4100"), ChangeRequests.ToMessage(new ChangeRequest("drain", "act://codistill@10.0.0.7:4100")));
    }

    [Theory]
    [InlineData("topology", "star", "unknown topology 'star'")]
    [InlineData("reload-interval", "often", "whole number")]
    [InlineData("weight", "1,5", "needs a number")]
    [InlineData("restart", "now", "unknown change 'restart'")]
    public void ABadRequest_SaysWhatIsWrong(string kind, string value, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => ChangeRequests.ToMessage(new ChangeRequest(kind, value)));
        Assert.Contains(expected, e.Message);
    }
}
