using ActorCodistill.Cluster.Remoting;
using ActorCodistill.Coordinator.Job;
using ActorCodistill.Workers.Remote;

namespace ActorCodistill.Coordinator.Distributed;

/// <summary>The messages between the ctl client, the seed's job and the placement that cross nodes (JSON on the control channel).</summary>
public static class CoordinatorSerializers
{
    public static void Register(SerializerRegistry registry)
    {
        var json = TrainingSerializers.Json;
        registry
            .AddJson<ChangeTopology>("codistill.ctl.change-topology", json)
            .AddJson<ChangeReloadInterval>("codistill.ctl.change-reload-interval", json)
            .AddJson<ChangeDistillWeight>("codistill.ctl.change-distill-weight", json)
            .AddJson<StopJob>("codistill.ctl.stop-job", json)
            .AddJson<DrainNode>("codistill.ctl.drain-node", json)
            .AddJson<GetStatus>("codistill.ctl.get-status", json)
            .AddJson<JobStatus>("codistill.ctl.job-status", json)
            .AddJson<ReconfigureResult>("codistill.ctl.reconfigure-result", json);
    }
}
