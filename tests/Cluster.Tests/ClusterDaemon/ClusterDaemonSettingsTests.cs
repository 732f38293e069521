using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.ClusterDaemon;
using ActorCodistill.Cluster.Configuration;

namespace ActorCodistill.Cluster.Tests.ClusterDaemon;

[Trait("Category", "Unit")]
public class ClusterDaemonSettingsTests
{
    private static readonly ClusterSettings Config = new(
        ["10.0.0.5:4053", "[::1]:4054"], TimeSpan.FromSeconds(7), ["worker"],
        new FailureDetectorSettings(TimeSpan.FromSeconds(2), 10.0, TimeSpan.FromSeconds(6), TimeSpan.FromMilliseconds(200)),
        new DowningSettings(DowningStrategy.KeepMajority, TimeSpan.FromSeconds(30)));

    [Fact]
    public void FromConfig_ClusterSection_MapsSeedsRolesDetectorAndDowning()
    {
        var settings = ClusterDaemonSettings.FromConfig(Config, "codistill");

        Assert.Equal([new Address("act", "codistill", "10.0.0.5", 4053), new Address("act", "codistill", "[::1]", 4054)], settings.SeedNodes.ToArray());
        Assert.Equal(["worker"], settings.Roles.ToArray());
        Assert.Equal(TimeSpan.FromSeconds(7), settings.SeedNodeTimeout);
        Assert.Equal(Config.FailureDetector, settings.FailureDetector);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.Downing.StableAfter);
        settings.Validate();
    }

    [Fact]
    public void Default_AkkaFailureDetectorValues()
    {
        var fd = ClusterDaemonSettings.Default.FailureDetector;
        Assert.Equal((TimeSpan.FromSeconds(1), 8.0, TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(100)),
            (fd.HeartbeatInterval, fd.Threshold, fd.AcceptableHeartbeatPause, fd.MinStdDeviation));
        Assert.Equal(TimeSpan.FromSeconds(20), ClusterDaemonSettings.Default.Downing.StableAfter);
    }

    [Fact]
    public void Validate_UnimplementedStrategyOrBadInterval_ThrowsNamingTheKey()
    {
        var downAll = ClusterDaemonSettings.Default with { Downing = new DowningSettings(DowningStrategy.DownAll, TimeSpan.Zero) };
        Assert.Contains("cluster.downing.strategy", Assert.Throws<ArgumentException>(downAll.Validate).Message);
        (ClusterDaemonSettings.Default with { Downing = new DowningSettings(DowningStrategy.KeepOldest, TimeSpan.Zero, DownIfAlone: false) }).Validate();
        var zeroGossip = ClusterDaemonSettings.Default with { GossipInterval = TimeSpan.Zero };
        Assert.Contains("cluster.gossip-interval", Assert.Throws<ArgumentException>(zeroGossip.Validate).Message);
    }
}
