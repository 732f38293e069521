using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.Remoting;
using ActorCodistill.Coordinator.Distributed;
using ActorCodistill.Coordinator.Job;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Tests.Distributed;

/// <summary>The ctl client's reconfiguration messages and answers as they cross to the seed (JSON on the control channel).</summary>
[Trait("Category", "Unit")]
public class CtlMessagesWireTests
{
    private readonly SerializerRegistry _registry = new();

    public CtlMessagesWireTests() => CoordinatorSerializers.Register(_registry);

    private sealed class NoRefs : IRemoteRefContext
    {
        public string PathOf(IActorRef? actorRef) => "";

        public IActorRef? RefOf(string path) => null;
    }

    private T RoundTrip<T>(T message) where T : notnull
    {
        var (manifest, payload) = _registry.Serialize(message, new NoRefs(), "test");
        return Assert.IsType<T>(_registry.Deserialize(manifest, payload, new NoRefs()));
    }

    [Fact]
    public void Ctl_RunsAtLogLevelWarning_UnlessTheUserSetsOne()
    {
        var quiet = ActorCodistill.Cluster.Configuration.ActorSystemSettings.From(
            ActorCodistill.Cluster.Configuration.ConfigLoader.Load(null, CtlCommand.ClientOverrides(new Dictionary<string, string?>())));
        Assert.Equal(ActorCodistill.Cluster.Configuration.ActorLogLevel.Warning, quiet.LogLevel);
        var chosen = CtlCommand.ClientOverrides(new Dictionary<string, string?> { ["actor.log-level"] = "debug" });
        Assert.Equal("debug", chosen["actor.log-level"]);
    }

    [Fact]
    public void ScheduledChanges_CarryTheirStep_OrNone()
    {
        Assert.Equal(new ChangeTopology(TopologyKind.Ring, 120), RoundTrip(new ChangeTopology(TopologyKind.Ring, 120)));
        Assert.Equal(new ChangeReloadInterval(25, 151), RoundTrip(new ChangeReloadInterval(25, 151)));
        Assert.Equal(new ChangeDistillWeight(0.5), RoundTrip(new ChangeDistillWeight(0.5)));
        Assert.Null(RoundTrip(new ChangeDistillWeight(0.5)).AtStep);
        Assert.Equal(new ReconfigureResult(true, "reload interval changes to 25 at step 151", 151),
            RoundTrip(new ReconfigureResult(true, "reload interval changes to 25 at step 151", 151)));
    }
}
