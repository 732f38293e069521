using ActorCodistill.Workers.Data;

namespace ActorCodistill.Workers.Tests.Data.Corpora;

[Trait("Category", "Unit")]
public sealed class TextFolderCorpusTests
{
    [Fact]
    public void LoadDocuments_Files_SortedByNameAndFilteredByPattern()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("b.txt"), "second");
        File.WriteAllText(dir.File("a.txt"), "first ✓");
        File.WriteAllText(dir.File("B.txt"), "upper");
        File.WriteAllText(dir.File("c.md"), "ignored");

        var docs = new TextFolderCorpus(dir.Path).LoadDocuments();

        Assert.Equal(["B.txt", "a.txt", "b.txt"], docs.Select(d => d.Name));
        Assert.Equal("first ✓", docs[1].Text);
    }

    [Fact]
    public void LoadDocuments_MissingFolder_NamesIt()
    {
        var e = Assert.Throws<DirectoryNotFoundException>(() => new TextFolderCorpus("/no/such/corpus").LoadDocuments());

        Assert.Contains("/no/such/corpus", e.Message);
    }

    [Fact]
    public void LoadDocuments_NoMatchingFiles_NamesFolderAndPattern()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("notes.md"), "x");

        var e = Assert.Throws<ArgumentException>(() => new TextFolderCorpus(dir.Path).LoadDocuments());

        Assert.Contains("data.corpus-path", e.Message);
        Assert.Contains(dir.Path, e.Message);
        Assert.Contains("*.txt", e.Message);
    }

    [Fact]
    public void LoadDocuments_BinaryFiles_AreSkippedWithAWarningNamingThem()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("a.txt"), "In the beginning");
        File.WriteAllBytes(dir.File("ls.txt"), [0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, 0, 0]);
        var random = new Random(3);
        var noise = new byte[4096];
        random.NextBytes(noise);
        for (var i = 0; i < noise.Length; i++) if (noise[i] == 0) noise[i] = 0xff; // invalid UTF-8, but no NUL
        File.WriteAllBytes(dir.File("noise.txt"), noise);
        File.WriteAllBytes(dir.File("bom.txt"), [0xEF, 0xBB, 0xBF, (byte)'h', (byte)'i']);
        var warnings = new List<string>();

        var docs = new TextFolderCorpus(dir.Path) { Warn = warnings.Add }.LoadDocuments();

        Assert.Equal(["a.txt", "bom.txt"], docs.Select(d => d.Name));
        Assert.Equal("hi", docs[1].Text);
        Assert.Equal(2, warnings.Count);
        Assert.Contains(warnings, w => w.Contains(dir.File("ls.txt")) && w.Contains("NUL"));
        Assert.Contains(warnings, w => w.Contains(dir.File("noise.txt")) && w.Contains("invalid UTF-8"));
    }

    [Fact]
    public void LoadDocuments_OnlyBinaryFiles_IsAnErrorNamingTheFolder()
    {
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.File("a.txt"), [1, 0, 2]);
        var e = Assert.Throws<ArgumentException>(() => new TextFolderCorpus(dir.Path) { Warn = _ => { } }.LoadDocuments());
        Assert.Contains("data.corpus-path", e.Message);
        Assert.Contains(dir.Path, e.Message);
    }
}
