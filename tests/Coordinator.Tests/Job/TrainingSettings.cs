using ActorCodistill.Cluster.Configuration;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Tests.Job;

/// <summary>Reads a job spec the way a run does: reference.conf plus --set style overrides ("key=value").</summary>
internal static class TrainingSettings
{
    public static JobSpec Read(params string[] overrides) =>
        JobSpecReader.Read(new SettingsReader(ConfigLoader.Load(null, ConfigLoader.ParseOverrides(overrides).ToDictionary(kv => kv.Key, kv => kv.Value))));
}
