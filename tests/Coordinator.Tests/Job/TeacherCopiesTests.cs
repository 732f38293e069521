using ActorCodistill.Workers.Actors;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Tests.Job;

/// <summary>A group's teacher copies (TeacherCopies, split out of GroupActor): what is kept, loaded at a boundary, and restored.</summary>
[Trait("Category", "Unit")]
public sealed class TeacherCopiesTests
{
    private static TeacherCheckpoint Copy(int group, long step) => new(group, step, new Half[] { (Half)step });

    [Fact]
    public void Exact_KeepsEveryLaterCopy_AndABoundaryLoadsTheCopyOfTheStepBeforeIt_NotTheNewest()
    {
        var copies = new TeacherCopies(exact: true, keepSinceCheckpoint: false);
        copies.Arrive(Copy(1, 4));
        copies.Arrive(Copy(1, 8));
        Assert.Empty(copies.MissingAt(9, [1]));
        Assert.Equal([1], copies.MissingAt(13, [1]));
        Assert.Equal(8, copies.NewestArrived(1));

        var loaded = copies.LoadAtBoundary(5, [1], newestServes: false);
        Assert.Equal(4, Assert.Single(loaded).Step);
        // At the next boundary the kept copy of step 8 is loaded; nothing newer is held back.
        Assert.Equal(8, Assert.Single(copies.LoadAtBoundary(9, [1], newestServes: false)).Step);
        Assert.Empty(copies.LoadAtBoundary(13, [1], newestServes: false));
        Assert.Equal(8, copies.Loaded[1].Step);
    }

    [Fact]
    public void Newest_LoadsTheNewestArrived_AndGroupsThatStopTeachingAreLetGo()
    {
        var copies = new TeacherCopies(exact: false, keepSinceCheckpoint: false);
        copies.Arrive(Copy(1, 4));
        copies.Arrive(Copy(2, 8));
        copies.Arrive(Copy(1, 6));
        Assert.Equal([6L, 8L], copies.LoadAtBoundary(9, [1, 2], newestServes: true).Select(c => c.Step));
        copies.KeepOnly([2], willTeach: _ => false);
        Assert.Equal([2], copies.Loaded.Keys);
    }

    [Fact]
    public void ARestoredCheckpoint_HoldsWhatItsMembersHeld_AndKeepsTheCopiesLoadedSinceForTheRerunBoundaries()
    {
        var copies = new TeacherCopies(exact: true, keepSinceCheckpoint: true);
        copies.Arrive(Copy(1, 4));
        copies.LoadAtBoundary(5, [1], newestServes: false);
        var checkpoint = new GroupCheckpoint(0, 6, [], [],
            new Dictionary<int, MemberRecovery> { [0] = new(null, new TeachersAtStep(new Dictionary<int, TeacherCarry> { [1] = new(4, []) }, false)) },
            copies.ForCheckpoint());
        copies.Checkpointed(checkpoint.Copies!);
        copies.Arrive(Copy(1, 8));
        copies.LoadAtBoundary(9, [1], newestServes: false);
        Assert.Equal(8, copies.Loaded[1].Step);

        // Rolled back to step 6: the members held the copy of step 4 then; the one of step 8 waits for boundary 9 again.
        Assert.True(copies.Restore(checkpoint));
        Assert.Equal(4, copies.Loaded[1].Step);
        Assert.Equal(8, Assert.Single(copies.LoadAtBoundary(9, [1], newestServes: false)).Step);
        // A checkpoint without its members' teacher state (before 2026-12-06) restores nothing.
        Assert.False(copies.Restore(checkpoint with { Members = null }));
    }
}
