using System.Collections;
using ActorCodistill.Cluster.Configuration;
using Microsoft.Extensions.Configuration;

namespace ActorCodistill.Cluster.Tests.Configuration;

[Trait("Category", "Unit")]
public class HoconConfigurationProviderTests
{
    [Fact]
    public void AddHoconString_FlattensObjectsAndArrays()
    {
        var config = new ConfigurationBuilder()
            .AddHoconString("a {\n  b = [x, \"y z\"]\n  c = 1\n  d { e = null }\n}", "inline.conf", new Hashtable())
            .Build();

        Assert.Equal("x", config["a:b:0"]);
        Assert.Equal("y z", config["a:b:1"]);
        Assert.Equal("1", config["A:C"]);
        Assert.Null(config["a:d:e"]);
        Assert.Equal(["0", "1"], config.GetSection("a:b").GetChildren().Select(c => c.Key));
    }

    [Fact]
    public void Provider_KeepsOriginOfEveryKey()
    {
        var config = new ConfigurationBuilder()
            .AddHoconString("a {\n  b = [x,\n    y]\n  c = 1\n}", "inline.conf", new Hashtable())
            .Build();

        Assert.Equal("inline.conf:2:8", config.DescribeOrigin("a:b:0"));
        Assert.Equal("inline.conf:3:5", config.DescribeOrigin("a:b:1"));
        Assert.Equal("inline.conf:4:7", config.DescribeOrigin("a:c"));
        Assert.Null(config.DescribeOrigin("a:nope"));
    }

    [Fact]
    public void AddHoconFile_LaterProviderWins_AndOriginFollowsTheWinner()
    {
        var config = new ConfigurationBuilder()
            .AddHoconFile(Fixtures.Path("sub/child.conf"), environment: new Hashtable())
            .AddHoconString("port = 1", "override.conf", new Hashtable())
            .Build();

        Assert.Equal("1", config["port"]);
        Assert.Equal("override.conf:1:8", config.DescribeOrigin("port"));
        Assert.EndsWith("child.conf:1:8", config.DescribeOrigin("host"));
    }

    [Fact]
    public void AddHoconFile_Optional_MissingFileIsEmpty_RequiredThrows()
    {
        var optional = new ConfigurationBuilder().AddHoconFile("/nonexistent/x.conf", optional: true).Build();
        Assert.Empty(optional.AsEnumerable());
        Assert.Throws<HoconException>(() => new ConfigurationBuilder().AddHoconFile("/nonexistent/x.conf").Build());
    }
}
