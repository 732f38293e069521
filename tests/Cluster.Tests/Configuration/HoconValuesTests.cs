using ActorCodistill.Cluster.Configuration;

namespace ActorCodistill.Cluster.Tests.Configuration;

[Trait("Category", "Unit")]
public class HoconValuesTests
{
    [Theory]
    [InlineData("3s", 30_000_000L)]
    [InlineData("500ms", 5_000_000L)]
    [InlineData("1 minute", 600_000_000L)]
    [InlineData("2h", 72_000_000_000L)]
    [InlineData("10us", 100L)]
    [InlineData("1.5 seconds", 15_000_000L)]
    [InlineData(" 250 millis ", 2_500_000L)]
    [InlineData("1d", 864_000_000_000L)]
    [InlineData("300ns", 3L)]
    [InlineData("-1s", -10_000_000L)]
    public void ParseDuration_WithUnit_GivesTicks(string text, long ticks)
    {
        Assert.Equal(TimeSpan.FromTicks(ticks), HoconValues.ParseDuration(text));
    }

    [Theory]
    [InlineData("5", "no unit")]
    [InlineData("5 parsecs", "unknown unit 'parsecs'")]
    [InlineData("ms", "does not start with a number")]
    [InlineData("", "empty duration")]
    [InlineData("1..5s", "does not start with a number")]
    [InlineData("99999999999d", "too large")]
    public void ParseDuration_Bad_ExplainsWhy(string text, string reason)
    {
        var e = Assert.Throws<FormatException>(() => HoconValues.ParseDuration(text));
        Assert.Contains(reason, e.Message);
    }

    [Theory]
    [InlineData("4096", 4096L)]
    [InlineData("128 MiB", 134_217_728L)]
    [InlineData("64k", 65_536L)]
    [InlineData("64K", 65_536L)]
    [InlineData("1 GB", 1_000_000_000L)]
    [InlineData("1G", 1_073_741_824L)]
    [InlineData("2kB", 2_000L)]
    [InlineData("1.5k", 1_536L)]
    [InlineData("10 bytes", 10L)]
    [InlineData("1 TiB", 1_099_511_627_776L)]
    [InlineData("3 megabytes", 3_000_000L)]
    [InlineData("3 mebibytes", 3_145_728L)]
    public void ParseSize_GivesBytes(string text, long bytes)
    {
        Assert.Equal(bytes, HoconValues.ParseSize(text));
    }

    [Theory]
    [InlineData("4 MiBs", "unknown unit 'MiBs'")]
    [InlineData("0.1k", "not a whole number of bytes")]
    [InlineData("-1k", "negative")]
    [InlineData("lots", "does not start with a number")]
    [InlineData("99999999 PB", "too large")]
    public void ParseSize_Bad_ExplainsWhy(string text, string reason)
    {
        var e = Assert.Throws<FormatException>(() => HoconValues.ParseSize(text));
        Assert.Contains(reason, e.Message);
    }

    [Theory]
    [InlineData("on", true)]
    [InlineData("yes", true)]
    [InlineData("true", true)]
    [InlineData("off", false)]
    [InlineData("no", false)]
    [InlineData("false", false)]
    public void ParseBoolean_AcceptsHoconWords(string text, bool expected)
    {
        Assert.Equal(expected, HoconValues.ParseBoolean(text));
    }
}
