using ActorCodistill.Workers.Actors;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Tests.Job;

/// <summary>A group's recovery checkpoint assembled from its members' answers (CheckpointAssembly, split out of GroupActor).</summary>
[Trait("Category", "Unit")]
public sealed class CheckpointAssemblyTests
{
    private static readonly TeacherCheckpoint Copy = new(1, 8, new Half[] { (Half)1, (Half)2 });

    [Fact]
    public void TheCheckpoint_IsCompleteWhenEveryMemberAskedHasAnswered_WithRankZerosWeights_AndEveryMembersCarriedState()
    {
        var assembly = new CheckpointAssembly(group: 0);
        Assert.Null(assembly.Begin(7, 10, [2, 0], [Copy]));
        // Answers for another request, another step, or a member not asked change nothing.
        Assert.Null(assembly.Accept(new WorkerState(2, 10, [9f], [1], RequestId: 6)));
        Assert.Null(assembly.Accept(new WorkerState(2, 9, [9f], [1], RequestId: 7)));
        Assert.Null(assembly.Accept(new WorkerState(1, 10, [9f], [1], RequestId: 7)));
        Assert.Null(assembly.Accept(new WorkerState(0, 10, [], [], RequestId: 7, Carried: [0.5f])));
        var checkpoint = assembly.Accept(new WorkerState(2, 10, [1f, 2f], [3], RequestId: 7, Carried: [0.25f]));

        Assert.NotNull(checkpoint);
        Assert.Equal((0, 10L), (checkpoint.Group, checkpoint.Step));
        // Rank 0 is the first slot asked (slot 2): its weights and optimizer state.
        Assert.Equal([1f, 2f], checkpoint.Parameters);
        Assert.Equal([(byte)3], checkpoint.OptimizerState);
        Assert.Equal([0.25f], checkpoint.Members![2].Carried!);
        Assert.Equal([0.5f], checkpoint.Members[0].Carried!);
        Assert.Same(Copy, Assert.Single(checkpoint.Copies!));
        Assert.Equal(-1, assembly.Request);
    }

    [Fact]
    public void ANewCheckpointBeforeTheLastCompleted_SaysWhichMembersDidNotAnswer_AndTheOldAnswersNoLongerCount()
    {
        var assembly = new CheckpointAssembly(group: 1);
        assembly.Begin(1, 10, [0, 1], []);
        assembly.Accept(new WorkerState(0, 10, [1f], [], RequestId: 1));
        Assert.Equal("the recovery checkpoint of step 10 was not saved: slot(s) [1] did not answer before step 20", assembly.Begin(2, 20, [0, 1], []));
        Assert.Null(assembly.Accept(new WorkerState(1, 10, [], [], RequestId: 1)));
        Assert.Null(assembly.Accept(new WorkerState(0, 20, [2f], [], RequestId: 2)));
        Assert.Equal(20, assembly.Accept(new WorkerState(1, 20, [], [], RequestId: 2))!.Step);
    }
}
