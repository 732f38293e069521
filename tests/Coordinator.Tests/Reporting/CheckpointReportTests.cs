using ActorCodistill.Coordinator.Reporting;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Tests.Reporting;

[Trait("Category", "Unit")]
public sealed class CheckpointReportTests
{
    [Fact]
    public void Describe_ListsEachGroupsCheckpointsNewestFirst_WithWhatAResumeRestores_AndNamesADamagedFile()
    {
        using var dir = new TempDirectory();
        var store = new FileGroupCheckpoints(Path.Combine(dir.Path, "checkpoints"));
        var teachers = new TeachersAtStep(new Dictionary<int, TeacherCarry> { [1] = new(40, [1, 2, 3, 4]) }, Prefetched: true);
        var members = new Dictionary<int, MemberRecovery> { [0] = new([1, 2, 3, 4], teachers), [1] = new([5, 6, 7, 8], teachers) };
        store.Save(new GroupCheckpoint(0, 40, new float[10], new byte[20]));
        store.Save(new GroupCheckpoint(0, 50, new float[10], new byte[20], members, [new TeacherCheckpoint(1, 40, new Half[10]), new TeacherCheckpoint(1, 48, new Half[10])]));
        store.Save(new GroupCheckpoint(1, 50, new float[10], new byte[20], members, []));

        var (text, intact) = CheckpointReport.Describe(dir.Path);

        Assert.True(intact, text);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("group 0: 2 checkpoint(s)", lines[0]);
        Assert.Contains("step 50:", lines[1]);
        Assert.Contains("intact; 10 weights", lines[1]);
        Assert.Contains("carried state of members [0,1] (4 values each); teacher copies [1@40,1@48]; replicas held [1@40], next batch predicted", lines[1]);
        Assert.Contains("step 40:", lines[2]);
        Assert.Contains("no carried or teacher state", lines[2]);
        Assert.StartsWith("group 1: 1 checkpoint(s)", lines[3]);

        var newest = Directory.GetFiles(Path.Combine(dir.Path, "checkpoints"), "group-0.*50.ckpt").Single();
        var bytes = File.ReadAllBytes(newest);
        bytes[^40] ^= 0xFF;
        File.WriteAllBytes(newest, bytes);
        (text, intact) = CheckpointReport.Describe(dir.Path);

        Assert.False(intact);
        Assert.Contains($"step 50: 0.0 MB, DAMAGED: {newest}: SHA-256", text);
        Assert.Contains("step 40: 0.0 MB, intact", text);
    }

    [Fact]
    public void Describe_OfAFolderWithoutCheckpoints_IsAnErrorNamingIt()
    {
        using var dir = new TempDirectory();

        var e = Assert.Throws<DirectoryNotFoundException>(() => CheckpointReport.Describe(dir.Path));

        Assert.Contains(Path.Combine(dir.Path, "checkpoints"), e.Message);
    }
}
