using ActorCodistill.Coordinator.Job;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Tests.Job;

[Trait("Category", "Unit")]
public class JobStateTests
{
    private static JobState Started(int groups = 2, bool baseline = false) =>
        JobState.Empty.Apply(new JobStarted("j", baseline, groups, groups == 2 ? TopologyKind.Pairwise : TopologyKind.Ring, 50, 1.0, 300));

    [Fact]
    public void Recovery_FoldsTheJournalIntoTheSameState()
    {
        JobEvent[] events =
        [
            new JobStarted("j", false, 3, TopologyKind.Ring, 50, 1.0, 300),
            new DistillationEnabled(1, 101),
            new TopologyChanged(TopologyKind.AllToAll),
            new ReloadIntervalChanged(25),
            new DistillWeightChanged(0.5),
            new GroupCheckpointed(2, 150),
            new WorkerFailed(0, 120, "boom"),
        ];
        var live = events.Aggregate(JobState.Empty, (s, e) => s.Apply(e));
        var recovered = events.Select(e => JobEvent.Deserialize(e.Serialize(), "test")).Aggregate(JobState.Empty, (s, e) => s.Apply(e));

        Assert.Equal(JobPhase.Distilling, live.Phase);
        Assert.Equal(TopologyKind.AllToAll, live.Topology);
        Assert.Equal(25, live.ReloadInterval);
        Assert.Equal(0.5, live.DistillWeight);
        Assert.Equal(150, live.CheckpointedSteps[2]);
        Assert.Equal(1, live.Failures);
        Assert.Equal(live.Topology, recovered.Topology);
        Assert.Equal(live.ReloadInterval, recovered.ReloadInterval);
        Assert.Equal(live.Phase, recovered.Phase);
        Assert.Equal(live.CheckpointedSteps, recovered.CheckpointedSteps);
    }

    [Fact]
    public void Refuse_PairwiseWithThreeGroups_SaysWhy() =>
        Assert.Contains("exactly 2 groups", Started(groups: 3).Refuse(new ChangeTopology(TopologyKind.Pairwise)));

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void Refuse_NonPositiveReloadInterval(long steps) =>
        Assert.NotNull(Started().Refuse(new ChangeReloadInterval(steps)));

    [Theory]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Refuse_BadWeight(double weight) => Assert.NotNull(Started().Refuse(new ChangeDistillWeight(weight)));

    [Fact]
    public void Refuse_AnImplausibleWeight_UnlessConfirmed()
    {
        // Issue 19, finding 8: 'ctl weight 1e9' was applied (validation loss 3.63 -> 4.55).
        Assert.Contains("--confirm", Started().Refuse(new ChangeDistillWeight(1e9)));
        Assert.Null(Started().Refuse(new ChangeDistillWeight(1e9, Confirmed: true)));
        Assert.Null(Started().Refuse(new ChangeDistillWeight(JobState.MaxPlausibleDistillWeight)));
    }

    [Fact]
    public void Refuse_AnythingOnceStopping() =>
        Assert.Contains("stopping", Started().Apply(new JobStopRequested("user")).Refuse(new ChangeDistillWeight(0.5)));

    [Fact]
    public void Refuse_DistillationChangesOnABaseline() =>
        Assert.NotNull(Started(baseline: true).Refuse(new ChangeDistillWeight(0.5)));

    [Fact]
    public void Allows_ValidChanges()
    {
        Assert.Null(Started().Refuse(new ChangeTopology(TopologyKind.Ring)));
        Assert.Null(Started().Refuse(new ChangeReloadInterval(10)));
        Assert.Null(Started().Refuse(new ChangeDistillWeight(0)));
    }
}
