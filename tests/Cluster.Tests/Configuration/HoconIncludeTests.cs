using System.Collections;
using ActorCodistill.Cluster.Configuration;

namespace ActorCodistill.Cluster.Tests.Configuration;

[Trait("Category", "Unit")]
public class HoconIncludeTests
{
    private static string? Text(HoconObject root, string path) => ((HoconScalar)root.GetPath(path)!).Text;

    [Fact]
    public void Include_RelativeToIncludingFile_LaterKeysOverride()
    {
        var root = Hocon.ParseFile(Fixtures.Path("main.conf"), new Hashtable());
        Assert.Equal("child-host", Text(root, "host"));
        Assert.Equal("9090", Text(root, "port"));
        Assert.Equal("true", Text(root, "debug"));
        Assert.EndsWith(Path.Combine("sub", "child.conf"), root["host"].Origin.Source);
        Assert.Equal(1, root["host"].Origin.Line);
    }

    [Fact]
    public void IncludeInsideObject_SubstitutionsLookUnderIncludeLocationFirst()
    {
        var root = Hocon.ParseFile(Fixtures.Path("main.conf"), new Hashtable());
        Assert.Equal("/srv", Text(root, "server.base"));
        Assert.Equal("/srv/data", Text(root, "server.data"));
        Assert.Equal("main", Text(root, "server.name"));
    }

    [Fact]
    public void IncludeFromText_ResolvesAgainstGivenDirectory()
    {
        var root = new HoconBuilder()
            .AddText("include \"child.conf\"\nhost = ${host}\"-x\"", "inline", Path.GetDirectoryName(Fixtures.Path("sub/child.conf")))
            .Build(new Hashtable());
        Assert.Equal("child-host-x", Text(root, "host"));
    }
}
