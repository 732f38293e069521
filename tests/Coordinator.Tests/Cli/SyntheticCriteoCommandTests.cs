using ActorCodistill.Workers.Data;

namespace ActorCodistill.Coordinator.Tests.Cli;

/// <summary>
/// <c>synthetic-criteo FOLDER --rows N --seed S</c>: the file the ctr task and churn-ctr.conf read when there is no Criteo
/// data (until 2026-12-08 the docs named a class and no command): N lines of label + 13 dense + 26 categorical fields,
/// the same lines for the same seed, and a bad count refused without writing.
/// </summary>
[Trait("Category", "Unit")]
public sealed class SyntheticCriteoCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "codistill-synthetic-criteo-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void ItWritesCriteoFormatLines_TheSameForTheSameSeed()
    {
        Assert.Equal(0, Program.Main(["synthetic-criteo", _dir, "--rows", "50", "--seed", "3"]));
        var file = Path.Combine(_dir, CriteoSyntheticGenerator.FileName(3, 50));
        var lines = File.ReadAllLines(file);
        Assert.Equal(50, lines.Length);
        Assert.All(lines, l => Assert.Equal(1 + CtrExample.DenseCount + CtrExample.CategoricalCount, l.Split('\t').Length));
        Assert.All(lines, l => Assert.Contains(l[0], "01"));
        Assert.Equal(new CriteoSyntheticGenerator(3).Generate(50).Select(g => g.Line), lines);
    }

    [Fact]
    public void ABadRowCount_IsRefused_AndNothingIsWritten()
    {
        Assert.Equal(2, Program.Main(["synthetic-criteo", _dir, "--rows", "0"]));
        Assert.False(Directory.Exists(_dir));
    }
}
