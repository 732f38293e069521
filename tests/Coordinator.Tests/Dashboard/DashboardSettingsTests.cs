using System.Net;
using ActorCodistill.Cluster.Configuration;
using ActorCodistill.Coordinator.Dashboard;

namespace ActorCodistill.Coordinator.Tests.Dashboard;

[Trait("Category", "Unit")]
public sealed class DashboardSettingsTests
{
    private static DashboardSettings Read(params string[] overrides) =>
        DashboardSettings.From(new SettingsReader(ConfigLoader.Load(null, ConfigLoader.ParseOverrides(overrides).ToDictionary(kv => kv.Key, kv => kv.Value))));

    [Fact]
    public void Defaults_AreOff_OnLoopback_WithChangesOff()
    {
        var settings = Read();
        Assert.False(settings.Enabled);
        Assert.Equal(IPAddress.Loopback, settings.Address);
        Assert.Equal(0, settings.Port);
        Assert.True(settings.Loopback);
        Assert.False(settings.AllowChanges);
    }

    [Theory]
    [InlineData("127.0.0.1:8050", "127.0.0.1", 8050)]
    [InlineData("localhost:0", "127.0.0.1", 0)]
    [InlineData("0.0.0.0:9000", "0.0.0.0", 9000)]
    [InlineData("[::1]:8050", "::1", 8050)]
    public void Bind_TakesAnAddressAndPort(string bind, string address, int port)
    {
        var (parsed, parsedPort) = DashboardSettings.ParseBind(bind);
        Assert.Equal(IPAddress.Parse(address), parsed);
        Assert.Equal(port, parsedPort);
    }

    [Theory]
    [InlineData("8050")]
    [InlineData("127.0.0.1:")]
    [InlineData("127.0.0.1:70000")]
    [InlineData("example.org:8050")]
    [InlineData("::1:8050")]
    public void ABadBind_IsAnErrorNamingTheKey(string bind)
    {
        var e = Assert.Throws<ConfigException>(() => Read("dashboard.enabled=on", $"dashboard.bind={bind}"));
        Assert.Equal("dashboard.bind", e.Key);
        Assert.Contains("dashboard.bind", e.Message);
    }

    [Fact]
    public void ChangesOn_WithoutASecret_AreRefusedNamingTheKey()
    {
        var e = Assert.Throws<ConfigException>(() => Read("dashboard.enabled=on", "dashboard.allow-changes=on", "remote.secret="));
        Assert.Equal("dashboard.allow-changes", e.Key);
        Assert.Contains("cluster secret", e.Message);
    }

    [Fact]
    public void AnUnknownDashboardKey_IsAnError()
    {
        var e = Assert.ThrowsAny<Exception>(() => Read("dashboard.allow-change=on"));
        Assert.Contains("dashboard.allow-change", e.Message);
    }

    [Fact]
    public void TheCommandLineOption_TurnsTheDashboardOnAtItsAddress()
    {
        var overrides = DashboardSettings.WithCommandLine(new Dictionary<string, string?> { ["training.steps"] = "10" }, "127.0.0.1:8123");
        var settings = Read(overrides.Select(kv => $"{kv.Key}={kv.Value}").ToArray());
        Assert.True(settings.Enabled);
        Assert.Equal(8123, settings.Port);
        Assert.Equal("10", overrides["training.steps"]);
    }
}
