using System.Collections;
using ActorCodistill.Cluster.Configuration;

namespace ActorCodistill.Cluster.Tests.Configuration;

[Trait("Category", "Unit")]
public class HoconSubstitutionTests
{
    private static HoconObject Parse(string text, IDictionary? env = null) => Hocon.Parse(text, "test.conf", env ?? new Hashtable());

    private static string? Text(HoconObject root, string path) => ((HoconScalar)root.GetPath(path)!).Text;

    [Fact]
    public void Substitution_KeepsTypeOfReferencedValue()
    {
        var root = Parse("a = 1\nb = ${a}");
        Assert.True(root["a"].ContentEquals(root["b"]));
        Assert.Equal(HoconScalarKind.Number, ((HoconScalar)root["b"]).Kind);
    }

    [Fact]
    public void Substitution_ForwardAndNestedReferences_Resolve()
    {
        var root = Parse("b = ${x.y}-suffix\nx { y = ${x.z}, z = deep }");
        Assert.Equal("deep-suffix", Text(root, "b"));
        Assert.Equal("deep", Text(root, "x.y"));
    }

    [Fact]
    public void Substitution_SeesFinalValueAfterLaterOverride()
    {
        var root = Parse("a = 1\nb = ${a}\na = 2");
        Assert.Equal("2", Text(root, "b"));
    }

    [Fact]
    public void ObjectSubstitution_ConcatenatedWithObject_Merges()
    {
        var root = Parse("base { x = 1, y = 2 }\nderived = ${base} { y = 3, z = 4 }");
        Assert.Equal(["1", "3", "4"], new[] { "x", "y", "z" }.Select(k => Text(root, "derived." + k)));
        Assert.Equal("2", Text(root, "base.y"));
    }

    [Fact]
    public void ArrayConcatenation_JoinsArrays()
    {
        var root = Parse("a = [1, 2]\nb = ${a} [3]");
        Assert.Equal(["1", "2", "3"], ((HoconArray)root["b"]).Items.Select(i => ((HoconScalar)i).Text));
    }

    [Fact]
    public void SelfReference_SeesEarlierValue()
    {
        var root = Parse("path = \"/usr\"\npath = ${path}\":/bin\"\nlist = [a]\nlist = ${list} [b]");
        Assert.Equal("/usr:/bin", Text(root, "path"));
        Assert.Equal(["a", "b"], ((HoconArray)root["list"]).Items.Select(i => ((HoconScalar)i).Text));
    }

    [Fact]
    public void OptionalSubstitution_Unset_KeepsEarlierValueOrLeavesKeyOut()
    {
        var root = Parse("secret = \"\"\nsecret = ${?MY_SECRET}\nother = ${?NOT_SET}");
        Assert.Equal("", Text(root, "secret"));
        Assert.False(root.TryGetValue("other", out _));
    }

    [Fact]
    public void OptionalSubstitution_FromEnvironment_OverridesEarlierValue()
    {
        var root = Parse("secret = \"\"\nsecret = ${?MY_SECRET}\nhome = ${HOME_DIR}/x", new Hashtable { ["MY_SECRET"] = "s3", ["HOME_DIR"] = "/h" });
        Assert.Equal("s3", Text(root, "secret"));
        Assert.Equal("/h/x", Text(root, "home"));
        Assert.Equal("env MY_SECRET", root["secret"].Origin.ToString());
    }

    [Fact]
    public void Document_WinsOverEnvironment()
    {
        var root = Parse("X = doc\na = ${X}", new Hashtable { ["X"] = "env" });
        Assert.Equal("doc", Text(root, "a"));
    }

    [Fact]
    public void Origin_PointsAtTheDefiningValue()
    {
        var root = Parse("a = 1\nb {\n  c = \"x\"\n}");
        Assert.Equal(new HoconOrigin("test.conf", 3, 7), root.GetPath("b.c")!.Origin);
        Assert.Equal("test.conf:1:5", root["a"].Origin.ToString());
    }

    [Fact]
    public void MixedConcatenation_IsAnErrorWithPosition()
    {
        var e = Assert.Throws<HoconException>(() => Parse("a = 1\nb = [1] foo"));
        Assert.Equal((2, 5), (e.Line, e.Column));
        Assert.Contains("array, string", e.Message);
    }

    [Fact]
    public void RequiredSelfReference_WithoutEarlierValue_IsAnError()
    {
        var e = Assert.Throws<HoconException>(() => Parse("a = ${a} x"));
        Assert.Equal((1, 5), (e.Line, e.Column));
        Assert.Contains("no earlier value", e.Message);
    }
}
