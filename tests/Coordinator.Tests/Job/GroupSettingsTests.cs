using ActorCodistill.Workers.Actors;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Tests.Job;

/// <summary>The group's changeable settings and their schedule (GroupSettings, split out of GroupActor).</summary>
[Trait("Category", "Unit")]
public sealed class GroupSettingsTests
{
    private static GroupSettings Settings(ReloadMode mode = ReloadMode.Newest)
    {
        var settings = new GroupSettings(TinyJobs.Spec(reload: 4) with { ReloadMode = mode });
        settings.Start([1]);
        return settings;
    }

    [Fact]
    public void AChange_WaitsForItsStep_AndAnUnscheduledOneAppliesAtTheNextStep()
    {
        var s = Settings();
        Assert.Null(s.Schedule(new GroupReconfigure(null, 8, null, AtStep: 10), planned: true, step: 5));
        Assert.Null(s.Schedule(new GroupReconfigure(null, null, 0.25), planned: true, step: 5));
        Assert.Equal(["applied at step 6: distillation weight 0.25"], s.ApplyDue(6));
        Assert.Equal(4, s.ReloadInterval);
        Assert.Empty(s.ApplyDue(9));
        Assert.Equal(["applied at step 10: reload interval 8"], s.ApplyDue(10));
        Assert.Equal((8L, 0.25), (s.ReloadInterval, s.Distill.Weight));
    }

    [Fact]
    public void AChangeForAStepAlreadyBegun_AppliesAtTheNextStep_AndSaysSo()
    {
        var exact = Settings(ReloadMode.Exact);
        var late = exact.Schedule(new GroupReconfigure([0], null, null, AtStep: 7), planned: true, step: 9);
        Assert.Contains("scheduled for step 7 arrived after that step had begun (step 9)", late);
        Assert.Contains("no longer reproducible", late);
        Assert.Equal(["applied at step 10: teachers [0]"], exact.ApplyDue(10));
        // Before the group's first plan a change is history being replayed, never late.
        Assert.Null(Settings().Schedule(new GroupReconfigure([0], null, null, AtStep: 7), planned: false, step: 9));
    }

    [Fact]
    public void ARollback_UndoesTheChangesAppliedAfterTheCheckpoint_AndTheyWaitForTheirStepsAgain()
    {
        var s = Settings();
        s.Schedule(new GroupReconfigure(null, 6, null, AtStep: 5), true, 1);
        s.Schedule(new GroupReconfigure([0, 2], null, 0.5, AtStep: 12), true, 1);
        s.Schedule(new GroupReconfigure(null, 9, null, AtStep: 20), true, 1);
        s.ApplyDue(5);
        s.ApplyDue(12);
        Assert.True(s.WillTeach(0) is false && s.TeacherGroups.SequenceEqual([0, 2]));

        Assert.Equal("the changes applied at steps [12] wait for those steps again", s.Rewind(10));
        // Back to the start's teachers and weight, with the change of step 5 still applied.
        Assert.Equal([1], s.TeacherGroups);
        Assert.Equal((6L, 1.0), (s.ReloadInterval, s.Distill.Weight));
        Assert.True(s.WillTeach(2));
        Assert.Null(s.Rewind(10));
        // Re-run: the undone change applies again at its step, before the one of step 20.
        Assert.Empty(s.ApplyDue(11));
        Assert.Equal(["applied at step 12: teachers [0,2], distillation weight 0.5"], s.ApplyDue(12));
        Assert.Equal(["applied at step 20: reload interval 9"], s.ApplyDue(20));
    }
}
