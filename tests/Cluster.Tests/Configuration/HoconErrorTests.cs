using System.Collections;
using ActorCodistill.Cluster.Configuration;

namespace ActorCodistill.Cluster.Tests.Configuration;

/// <summary>Every error names file, line and column; the positions below are counted by hand.</summary>
[Trait("Category", "Unit")]
public class HoconErrorTests
{
    private static HoconException Fails(string text) =>
        Assert.Throws<HoconException>(() => Hocon.Parse(text, "bad.conf", new Hashtable()));

    [Fact]
    public void UnterminatedString_ReportsOpeningQuote()
    {
        var e = Fails("a = 1\nb = \"abc\nc = 2");
        Assert.Equal(("bad.conf", 2, 5), (e.File, e.Line, e.Column));
        Assert.StartsWith("bad.conf:2:5: unterminated quoted string", e.Message);
        Assert.Contains("expected a closing '\"'", e.Message);
    }

    [Fact]
    public void UnterminatedTripleQuotedString_ReportsOpening()
    {
        var e = Fails("a = 1\n  b = \"\"\"abc\n");
        Assert.Equal((2, 7), (e.Line, e.Column));
    }

    [Fact]
    public void UnclosedBrace_ReportsEndOfFileAndWhereItOpened()
    {
        var e = Fails("a {\n  b = 1\n");
        Assert.Equal((3, 1), (e.Line, e.Column));
        Assert.Contains("'{' opened at 1:3 is never closed", e.Message);
    }

    [Fact]
    public void ExtraClosingBrace_ReportsIt()
    {
        var e = Fails("a = 1\n}\n");
        Assert.Equal((2, 1), (e.Line, e.Column));
        Assert.Contains("no matching '{'", e.Message);
    }

    [Fact]
    public void UnclosedBracket_ReportsWhereItOpened()
    {
        var e = Fails("a = [1,\n 2");
        Assert.Equal((2, 3), (e.Line, e.Column));
        Assert.Contains("'[' opened at 1:5", e.Message);
    }

    [Fact]
    public void MissingValue_ReportsEndOfLineAfterSeparator()
    {
        var e = Fails("a = 1\nb =\nc = 2");
        Assert.Equal((2, 4), (e.Line, e.Column));
        Assert.Contains("missing value for key 'b'", e.Message);
    }

    [Fact]
    public void MissingSeparator_ReportsCharacterAfterKey()
    {
        var e = Fails("a = 1\nkey 5 = x\nb ]");
        Assert.Equal((3, 3), (e.Line, e.Column));
        Assert.Contains("after key 'b'", e.Message);
    }

    [Fact]
    public void UnknownSubstitution_ReportsItsPositionAndPath()
    {
        var e = Fails("a = 1\nb {\n  c = ${nope.x}\n}");
        Assert.Equal((3, 7), (e.Line, e.Column));
        Assert.Contains("unresolved substitution ${nope.x}", e.Message);
    }

    [Fact]
    public void SubstitutionCycle_ReportsTheChainAtTheClosingReference()
    {
        var e = Fails("a = ${b}\nb = ${c}\nc = ${a}");
        Assert.Equal((3, 5), (e.Line, e.Column));
        Assert.Contains("a -> b -> c -> a", e.Message);
    }

    [Fact]
    public void ObjectReferringToItself_IsACycle()
    {
        var e = Fails("a { b = ${a} }");
        Assert.Equal((1, 9), (e.Line, e.Column));
        Assert.Contains("cycle", e.Message);
    }

    [Fact]
    public void BadEscape_ReportsBackslash()
    {
        var e = Fails("a = \"x\\qy\"");
        Assert.Equal((1, 7), (e.Line, e.Column));
        Assert.Contains("unknown escape '\\q'", e.Message);
    }

    [Fact]
    public void UnquotedForbiddenCharacter_AsksForQuotes()
    {
        var e = Fails("seed = 127.0.0.1:4053");
        Assert.Equal((1, 17), (e.Line, e.Column));
    }

    [Fact]
    public void IncludeOfMissingFile_NamesBothFiles()
    {
        var including = Fixtures.Path("include-missing.conf");
        var e = Assert.Throws<HoconException>(() => Hocon.ParseFile(including, new Hashtable()));
        Assert.Equal((including, 2, 9), (e.File, e.Line, e.Column));
        Assert.Contains(Path.Combine(Path.GetDirectoryName(including)!, "does-not-exist.conf"), e.Message);
        Assert.Contains($"included from {including}", e.Message);
    }

    [Fact]
    public void IncludeCycle_IsDetected()
    {
        var e = Assert.Throws<HoconException>(() => Hocon.ParseFile(Fixtures.Path("cycle-a.conf"), new Hashtable()));
        Assert.EndsWith("cycle-b.conf", e.File);
        Assert.Equal((2, 14), (e.Line, e.Column));
        Assert.Contains("include cycle", e.Message);
    }

    [Fact]
    public void MissingTopLevelFile_NamesIt()
    {
        var e = Assert.Throws<HoconException>(() => Hocon.ParseFile("/nonexistent/dir/x.conf", new Hashtable()));
        Assert.Equal("/nonexistent/dir/x.conf", e.File);
    }
}
