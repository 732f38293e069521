using ActorCodistill.Cluster.Configuration;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Workers.Tests.Training;

/// <summary>
/// Two-phase distillation's teacher file (<c>training.distill.teacher-checkpoint</c>): a run's recovery checkpoint loads
/// as a float16 teacher copy of its step; what is not one is refused naming the key and the file; the key needs one group.
/// </summary>
[Trait("Category", "Unit")]
public sealed class FixedTeacherTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "fixed-teacher-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private string Saved(float[] weights, long step = 40, int group = 0)
    {
        new FileGroupCheckpoints(_dir).Save(new GroupCheckpoint(group, step, weights, [1, 2, 3]));
        return Directory.GetFiles(_dir, $"group-{group}.*.ckpt").Single(f => f.EndsWith($"{step:D20}.ckpt", StringComparison.Ordinal));
    }

    [Fact]
    public void ARunsCheckpoint_LoadsAsTheFloat16CopyOfItsStep()
    {
        var weights = new[] { 0.5f, -1.25f, 3f, 1e-3f };
        var copy = FixedTeacher.Load(Saved(weights), expectedParameters: 4);
        Assert.Equal(FixedTeacher.Group, copy.Group);
        Assert.Equal(40, copy.Step);
        Assert.Equal(weights.Select(w => (Half)w), copy.Weights.ToArray());
    }

    [Fact]
    public void WhatIsNoTeacher_IsRefused_NamingTheKeyAndTheFile()
    {
        var missing = Assert.Throws<ArgumentException>(() => FixedTeacher.Load(Path.Combine(_dir, "group-0.00000000000000000001.ckpt")));
        Assert.Contains(FixedTeacher.Key, missing.Message);
        Assert.Contains("there is no file", missing.Message);

        var file = Saved([1f, 2f, 3f]);
        var other = Assert.Throws<ArgumentException>(() => FixedTeacher.Load(file, expectedParameters: 5));
        Assert.Contains("3 parameters, this job's model has 5", other.Message);

        var renamed = Path.Combine(_dir, "teacher.bin");
        File.Copy(file, renamed);
        Assert.Contains("is not a recovery checkpoint file", Assert.Throws<ArgumentException>(() => FixedTeacher.Load(renamed)).Message);

        var bytes = File.ReadAllBytes(file);
        bytes[^5] ^= 0xFF;
        File.WriteAllBytes(file, bytes);
        var damaged = Assert.Throws<ArgumentException>(() => FixedTeacher.Load(file));
        Assert.Contains("does not load", damaged.Message);
        Assert.Contains(Path.GetFileName(file), damaged.Message);
    }

    [Fact]
    public void TheKey_NeedsOneGroup_AndTurnsDistillationOnWithoutATopology()
    {
        JobSpec Read(params (string Key, string Value)[] settings) =>
            JobSpecReader.Read(new SettingsReader(ConfigLoader.Load(null, settings.ToDictionary(s => s.Key, s => (string?)s.Value))));
        var e = Assert.Throws<ArgumentException>(() => Read((FixedTeacher.Key, "x/group-0.00000000000000000010.ckpt")));
        Assert.Contains(FixedTeacher.Key, e.Message);
        Assert.Contains("training.groups = 1", e.Message);
        var spec = Read((FixedTeacher.Key, "x/group-0.00000000000000000010.ckpt"), ("training.groups", "1"), ("training.burn-in-steps", "5"));
        Assert.False(spec.DistillActiveAt(5));
        Assert.True(spec.DistillActiveAt(6));
        Assert.False(Read(("training.groups", "1"), ("training.topology", "ring")).DistillActiveAt(6));
    }
}
