using System.Collections;
using ActorCodistill.Cluster.Configuration;

namespace ActorCodistill.Cluster.Tests.Configuration;

[Trait("Category", "Unit")]
public class HoconParserTests
{
    private static HoconObject Parse(string text) => Hocon.Parse(text, "test.conf", new Hashtable());

    private static string? Text(HoconObject root, string path) => ((HoconScalar)root.GetPath(path)!).Text;

    private static HoconScalarKind Kind(HoconObject root, string path) => ((HoconScalar)root.GetPath(path)!).Kind;

    [Fact]
    public void Objects_EqualsColonOrNothingBeforeBrace_AllParse()
    {
        var root = Parse("a = { x = 1 }\nb : { x = 2 }\nc { x = 3 }\nd:{x:4}");
        Assert.Equal(["a", "b", "c", "d"], root.Keys);
        Assert.Equal(["1", "2", "3", "4"], root.Keys.Select(k => Text(root, k + ".x")));
    }

    [Fact]
    public void RootBraces_AreOptional_SameDocument()
    {
        var braced = Parse("{\n  a = 1\n  b { c = two }\n}\n");
        var bare = Parse("a = 1\nb { c = two }");
        Assert.True(braced.ContentEquals(bare));
        Assert.Equal("two", Text(bare, "b.c"));
    }

    [Fact]
    public void DottedKey_CreatesNestedObjects_AndMergesWithLaterBlock()
    {
        var root = Parse("a.b.c = 1\na { b { d = 2 } }");
        Assert.Equal("1", Text(root, "a.b.c"));
        Assert.Equal("2", Text(root, "a.b.d"));
        Assert.Equal(["c", "d"], ((HoconObject)root.GetPath("a.b")!).Keys);
    }

    [Fact]
    public void QuotedKey_WithDots_IsOneKey()
    {
        var root = Parse("\"a.b\" = 1\nx.\"y.z\".w = 2");
        Assert.Equal(["a.b", "x"], root.Keys);
        Assert.Equal("1", ((HoconScalar)root["a.b"]).Text);
        Assert.Equal("2", Text(root, "x.\"y.z\".w"));
    }

    [Fact]
    public void Arrays_CommaOrNewlineSeparated_SameItems()
    {
        var root = Parse("a = [1, 2, 3]\nb = [\n  1\n  2,\n  3,\n]\nc = []");
        Assert.True(root["a"].ContentEquals(root["b"]));
        Assert.Equal(["1", "2", "3"], ((HoconArray)root["a"]).Items.Select(i => ((HoconScalar)i).Text));
        Assert.Empty(((HoconArray)root["c"]).Items);
    }

    [Fact]
    public void Comments_HashAndDoubleSlash_AreIgnored()
    {
        var root = Parse("# top\na = 1 # trailing\n// line\nb = 2 // trailing\nc = \"# not a comment\"\nd = x/y");
        Assert.Equal(["a", "b", "c", "d"], root.Keys);
        Assert.Equal("1", Text(root, "a"));
        Assert.Equal("# not a comment", Text(root, "c"));
        Assert.Equal("x/y", Text(root, "d"));
    }

    [Fact]
    public void QuotedString_Escapes_AreDecoded()
    {
        var root = Parse("a = \"tab\\there \\\"q\\\" back\\\\slash \\u0041\\n\\/\"");
        Assert.Equal("tab\there \"q\" back\\slash A\n/", Text(root, "a"));
    }

    [Fact]
    public void TripleQuotedString_SpansLines_NoEscapes()
    {
        var root = Parse("a = \"\"\"line1\n  \"quoted\" \\n\nend\"\"\"\nb = \"\"\"x\"\"\"\"");
        Assert.Equal("line1\n  \"quoted\" \\n\nend", Text(root, "a"));
        Assert.Equal("x\"", Text(root, "b"));
    }

    [Fact]
    public void UnquotedValues_AreClassifiedOnlyWhenAlone()
    {
        var root = Parse("n = -12.5e3\nt = true\nz = null\ns = hello\nq = \"true\"\nv = 1 2");
        Assert.Equal(HoconScalarKind.Number, Kind(root, "n"));
        Assert.Equal(HoconScalarKind.Boolean, Kind(root, "t"));
        Assert.Equal(HoconScalarKind.Null, Kind(root, "z"));
        Assert.Null(((HoconScalar)root["z"]).Text);
        Assert.Equal(HoconScalarKind.String, Kind(root, "s"));
        Assert.Equal(HoconScalarKind.String, Kind(root, "q"));
        Assert.Equal(HoconScalarKind.String, Kind(root, "v"));
    }

    [Theory]
    [InlineData("a = foo bar", "foo bar")]
    [InlineData("a = foo   bar  # comment", "foo   bar")]
    [InlineData("a = \"x\" y", "x y")]
    [InlineData("a = 4 MiB", "4 MiB")]
    [InlineData("a = 1 minute", "1 minute")]
    [InlineData("a = \"pre\"fix\"post\"", "prefixpost")]
    public void Concatenation_SimpleValuesOnOneLine_JoinWithTheirWhitespace(string text, string expected)
    {
        Assert.Equal(expected, Text(Parse(text), "a"));
    }

    [Fact]
    public void DuplicateObjectKeys_MergeRecursively()
    {
        var root = Parse("a { x = 1, n { p = 1 } }\na { y = 2, n { q = 2 } }\na.x = 3");
        Assert.Equal(["x", "n", "y"], ((HoconObject)root["a"]).Keys);
        Assert.Equal("3", Text(root, "a.x"));
        Assert.Equal("1", Text(root, "a.n.p"));
        Assert.Equal("2", Text(root, "a.n.q"));
    }

    [Fact]
    public void NonObjectValue_OverridesEarlierObject_AndIsReplacedByLaterObject()
    {
        var root = Parse("a { x = 1 }\na = 5\nb = 5\nb { y = 2 }");
        Assert.Equal("5", Text(root, "a"));
        Assert.Equal(["y"], ((HoconObject)root["b"]).Keys);
    }

    [Fact]
    public void PlusEquals_AppendsToEarlierArray_OrStartsOne()
    {
        var root = Parse("a = [1]\na += 2\na += [3]\nb += x");
        Assert.Equal(["1", "2"], ((HoconArray)root["a"]).Items.Take(2).Select(i => ((HoconScalar)i).Text));
        Assert.IsType<HoconArray>(((HoconArray)root["a"]).Items[2]);
        Assert.Equal(["x"], ((HoconArray)root["b"]).Items.Select(i => ((HoconScalar)i).Text));
    }

    [Fact]
    public void KeyNamedInclude_WithoutFileName_IsAnOrdinaryKey()
    {
        var root = Parse("include = 5\nincludes = 6");
        Assert.Equal("5", Text(root, "\"include\""));
        Assert.Equal("6", Text(root, "includes"));
    }

    [Fact]
    public void CrLfLineEndings_ParseLikeLf()
    {
        Assert.True(Parse("a = 1\r\nb { c = 2 }\r\n").ContentEquals(Parse("a = 1\nb { c = 2 }\n")));
    }
}
