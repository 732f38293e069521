using ActorCodistill.Coordinator.Job;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Tests.Job;

/// <summary>The step at which every group applies a topology, reload-interval or weight change.</summary>
[Trait("Category", "Unit")]
public class ReconfigureScheduleTests
{
    // 3 groups in a ring, reload every 5 steps, 40 steps.
    private static JobState Started() => JobState.Empty.Apply(new JobStarted("j", false, 3, TopologyKind.Ring, 5, 1.0, 40));

    [Fact]
    public void Default_IsTheFirstStepNoGroupCanHaveBegun_PlusTheLead()
    {
        // Step 8 may already run (a group plans its next step as soon as it reports one); step 9 cannot, by the count;
        // the default leaves 6 steps more for reports still queued (9 is what an operator may name: below).
        Assert.Equal(6, ReconfigureSchedule.DefaultLead);
        Assert.Equal((15L, (string?)null), ReconfigureSchedule.At(Started(), new ChangeDistillWeight(0.5), frontier: 7));
        Assert.Equal((15L, (string?)null), ReconfigureSchedule.At(Started(), new ChangeTopology(TopologyKind.AllToAll), frontier: 7));
        Assert.Equal((8L, (string?)null), ReconfigureSchedule.At(Started(), new ChangeDistillWeight(0.5), frontier: 0));
    }

    [Theory]
    [InlineData(7, 16)]   // 15 is not a boundary of interval 5; 16 is ((16 - 1) % 5 == 0)
    [InlineData(3, 11)]
    [InlineData(8, 16)]   // 16 itself is one
    public void Default_ForTheReloadInterval_IsTheNextReloadBoundary(long frontier, long expected) =>
        Assert.Equal((expected, (string?)null), ReconfigureSchedule.At(Started(), new ChangeReloadInterval(3), frontier));

    [Fact]
    public void Default_NeverComesBeforeAChangeAlreadyScheduled_AndABoundaryUsesTheLastScheduledInterval()
    {
        var state = Started().Apply(new DistillWeightChanged(0.5, AtStep: 20)).Apply(new ReloadIntervalChanged(4, AtStep: 21));
        Assert.Equal(21, state.LastScheduledStep);
        Assert.Equal((21L, (string?)null), ReconfigureSchedule.At(state, new ChangeTopology(TopologyKind.AllToAll), frontier: 3));
        // Interval 4 from step 21: its boundaries are 21, 25, 29, ...
        Assert.Equal((21L, (string?)null), ReconfigureSchedule.At(state, new ChangeReloadInterval(2), frontier: 3));
        Assert.Equal((29L, (string?)null), ReconfigureSchedule.At(state, new ChangeReloadInterval(2), frontier: 21));
    }

    [Fact]
    public void Default_AtTheEndOfTheJob_IsRefused()
    {
        var (_, error) = ReconfigureSchedule.At(Started(), new ChangeDistillWeight(0.5), frontier: 39);
        Assert.Contains("no step left", error);
        (_, error) = ReconfigureSchedule.At(Started(), new ChangeReloadInterval(2), frontier: 37);  // next boundary 41 > 40
        Assert.Contains("ends at step 40", error);
    }

    [Fact]
    public void Requested_IsKept_WhenNoGroupCanHaveBegunIt()
    {
        Assert.Equal((30L, (string?)null), ReconfigureSchedule.At(Started(), new ChangeDistillWeight(0.5, AtStep: 30), frontier: 7));
        Assert.Equal((9L, (string?)null), ReconfigureSchedule.At(Started(), new ChangeTopology(TopologyKind.AllToAll, AtStep: 9), frontier: 7));
        Assert.Equal((26L, (string?)null), ReconfigureSchedule.At(Started(), new ChangeReloadInterval(2, AtStep: 26), frontier: 7));
    }

    [Theory]
    [InlineData(8, "may already have begun")]  // frontier 7: step 8 may run
    [InlineData(3, "choose step 9 or later")]
    [InlineData(41, "after the job's last step (40)")]
    [InlineData(0, "step 0 is not a step of the job (1 to 40)")]
    [InlineData(-5, "step -5 is not a step of the job")]
    public void Requested_TooEarlyOrTooLate_IsRefusedSayingWhy(long at, string reason)
    {
        var (_, error) = ReconfigureSchedule.At(Started(), new ChangeDistillWeight(0.5, AtStep: at), frontier: 7);
        Assert.Contains(reason, error);
    }

    [Fact]
    public void Requested_BeforeAScheduledChange_IsRefused()
    {
        var state = Started().Apply(new TopologyChanged(TopologyKind.AllToAll, AtStep: 20));
        var (_, error) = ReconfigureSchedule.At(state, new ChangeDistillWeight(0.5, AtStep: 19), frontier: 7);
        Assert.Contains("already scheduled for step 20", error);
        Assert.Equal((20L, (string?)null), ReconfigureSchedule.At(state, new ChangeDistillWeight(0.5, AtStep: 20), frontier: 7));
    }

    [Fact]
    public void Requested_ReloadIntervalOffABoundary_IsRefusedNamingTheNextBoundaries()
    {
        var (_, error) = ReconfigureSchedule.At(Started(), new ChangeReloadInterval(2, AtStep: 13), frontier: 7);
        Assert.Contains("the next ones are 11 and 16", error);
    }

    [Fact]
    public void NextBoundary_IsTheFirstBoundaryAtOrAfterTheStep_ForRandomSteps()
    {
        var random = new Random(3);
        for (var i = 0; i < 2000; i++)
        {
            var from = random.NextInt64(1, 10_000);
            var interval = random.NextInt64(1, 200);
            var b = ReconfigureSchedule.NextBoundary(from, interval);
            Assert.True(b >= from && b - from < interval && (b - 1) % interval == 0, $"from {from}, interval {interval}: {b}");
        }
    }

    [Fact]
    public void Schedule_IsKeptInOrder_AndTheIntervalInEffectFollowsIt()
    {
        var state = Started().Apply(new ReloadIntervalChanged(3, AtStep: 11)).Apply(new DistillWeightChanged(0.25, AtStep: 12))
            .Apply(new ReloadIntervalChanged(8, AtStep: 17));
        Assert.Equal([11L, 12L, 17L], state.Schedule.Select(c => c.AtStep));
        Assert.Equal(new SettingChange(12, null, null, 0.25), state.Schedule[1]);
        Assert.Equal(8, state.ReloadInterval);
        Assert.Equal([5L, 5L, 3L, 3L, 8L], new long[] { 1, 10, 11, 16, 17 }.Select(state.ReloadIntervalAt));
    }

    [Fact]
    public void JournalledBeforeScheduling_ChangesReadBackAsStepZero()
    {
        // An event as journals held it before changes had a step.
        var old = JobEvent.Deserialize("""{"$type":"distill-weight-changed","Weight":0.5}"""u8.ToArray(), "old journal");
        Assert.Equal(new DistillWeightChanged(0.5, 0), old);
        var back = JobEvent.Deserialize(new TopologyChanged(TopologyKind.AllToAll, 12).Serialize(), "test");
        Assert.Equal(new TopologyChanged(TopologyKind.AllToAll, 12), back);
    }
}
