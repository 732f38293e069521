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

        var e = Assert.Throws<InvalidOperationException>(() => new TextFolderCorpus(dir.Path).LoadDocuments());

        Assert.Contains(dir.Path, e.Message);
        Assert.Contains("*.txt", e.Message);
    }
}
