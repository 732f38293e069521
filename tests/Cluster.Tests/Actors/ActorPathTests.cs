using ActorCodistill.Cluster.Actors;

namespace ActorCodistill.Cluster.Tests.Actors;

[Trait("Category", "Unit")]
public class ActorPathTests
{
    [Theory]
    [InlineData("act://sys/user/a/b")]
    [InlineData("act://sys@127.0.0.1:4053/user/a/b")]
    [InlineData("act://sys@node-1:0/system/x")]
    public void Parse_ToString_RoundTrips(string text) => Assert.Equal(text, ActorPath.Parse(text).ToString());

    [Fact]
    public void Parse_RemoteWithUid_ReadsAllParts()
    {
        var path = ActorPath.Parse("act://train@10.0.0.5:4053/user/coordinator/group-1#42");

        Assert.Equal(new Address("act", "train", "10.0.0.5", 4053), path.Address);
        Assert.Equal(new[] { "user", "coordinator", "group-1" }, path.Elements.ToArray());
        Assert.Equal("group-1", path.Name);
        Assert.Equal(42, path.Uid);
        Assert.Equal("act://train@10.0.0.5:4053/user/coordinator/group-1#42", path.ToStringWithUid());
        Assert.Equal("act://train@10.0.0.5:4053/user/coordinator", path.Parent!.ToString());
    }

    [Fact]
    public void Equals_DifferentUid_PathsEqualButRefsDiffer()
    {
        var a = ActorPath.Parse("act://s/user/a#1");
        var b = ActorPath.Parse("act://s/user/a#2");

        Assert.Equal(a, b);
        Assert.NotEqual(a.Uid, b.Uid);
    }

    [Theory]
    [InlineData("sys/user/a")]
    [InlineData("act://sys@host/user")]
    [InlineData("act://sys@host:99999/user")]
    [InlineData("act:///user")]
    [InlineData("act://sys/user/a#x")]
    public void Parse_Malformed_ThrowsFormatExceptionNamingInput(string text)
    {
        var error = Assert.Throws<FormatException>(() => ActorPath.Parse(text));
        Assert.Contains(text.Split('/')[0], error.Message);
    }

    [Fact]
    public void Address_Local_HasNoHost() => Assert.Equal("act://sys", Address.Local("sys").ToString());
}
