using System.Text.RegularExpressions;
using ActorCodistill.Workers.Data;

namespace ActorCodistill.Workers.Tests.Data.Corpora;

[Trait("Category", "Unit")]
[Collection(KjvCollection.Name)]
public sealed class KjvCorpusTests(KjvFixture kjv)
{
    [Fact]
    public void LoadDocuments_InstalledBible_SixtySixBooksGenesisFirst()
    {
        var docs = kjv.Documents;

        Assert.Equal(66, docs.Count);
        Assert.Equal("Ge", docs[0].Name);
        Assert.Equal("Rev", docs[^1].Name);
        Assert.StartsWith("In the beginning God created the heaven and the earth.\nAnd the earth was without form", docs[0].Text);
        Assert.EndsWith("The grace of our Lord Jesus Christ be with you all. Amen.", docs[^1].Text);
        Assert.Equal(66, docs.Select(d => d.Name).Distinct().Count());
    }

    [Fact]
    public void LoadDocuments_InstalledBible_NoVerseReferencesLeft()
    {
        var reference = new Regex(@"^[1-3]?[A-Za-z]+\d+:\d+ ", RegexOptions.Multiline);

        Assert.All(kjv.Documents, d => Assert.DoesNotMatch(reference, d.Text));
        // Genesis has 1533 verses, one per line.
        Assert.Equal(1533, kjv.Documents[0].Text.Split('\n').Length);
        Assert.Equal(31102, kjv.Documents.Sum(d => d.Text.Split('\n').Length));
    }

    [Fact]
    public void LoadDocuments_MissingCommand_SaysHowToInstall()
    {
        var corpus = new KjvCorpus("bible-not-installed-here", ["-f", "Gen1:1"]);

        var e = Assert.Throws<InvalidOperationException>(() => corpus.LoadDocuments());

        Assert.Contains("apt-get install bible-kjv", e.Message);
        Assert.Contains("bible-not-installed-here", e.Message);
    }

    [Fact]
    public void LoadDocuments_CommandFails_ReportsExitCode()
    {
        var corpus = new KjvCorpus("sh", ["-c", "echo broken >&2; exit 3"]);

        var e = Assert.Throws<InvalidOperationException>(() => corpus.LoadDocuments());

        Assert.Contains("exited with code 3", e.Message);
        Assert.Contains("broken", e.Message);
    }

    [Fact]
    public void Parse_ContinuationAndBlankLines_JoinedIntoVerses()
    {
        var docs = KjvCorpus.Parse("Ge1:1 In the\n  beginning.\n\nGe1:2 Second.\r\n1Sm1:1 Now there was\n");

        Assert.Equal(2, docs.Count);
        Assert.Equal(new TextDocument("Ge", "In the beginning.\nSecond."), docs[0]);
        Assert.Equal(new TextDocument("1Sm", "Now there was"), docs[1]);
    }

    [Fact]
    public void Parse_TextBeforeFirstVerse_ErrorNamesLine()
    {
        var e = Assert.Throws<InvalidDataException>(() => KjvCorpus.Parse("\nWelcome banner\nGe1:1 x", "out.txt"));

        Assert.Contains("out.txt:2:", e.Message);
    }

    [Fact]
    public void Parse_BookSplitByOtherBook_Rejected()
    {
        var e = Assert.Throws<InvalidDataException>(() => KjvCorpus.Parse("Ge1:1 a\nExo1:1 b\nGe1:2 c", "out.txt"));

        Assert.Contains("out.txt:3:", e.Message);
    }
}
