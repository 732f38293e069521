using System.Text.Json.Serialization;

namespace ActorCodistill.Coordinator.Reporting;

public enum RunMode
{
    Baseline,
    Codistill,
}

/// <summary>Contents of <c>run.json</c>: what was run, written once when the run starts.</summary>
/// <param name="Config">The effective configuration, flattened to <c>a.b.c -&gt; value</c>.</param>
/// <param name="Threads">Thread settings in force (torch intra-op, OpenBLAS, OMP wait policy), as printed at start-up.</param>
public sealed record RunInfo(
    [property: JsonPropertyName("run_id")] string RunId,
    [property: JsonPropertyName("mode")] RunMode Mode,
    [property: JsonPropertyName("task")] string Task,
    [property: JsonPropertyName("groups")] int Groups,
    [property: JsonPropertyName("workers_per_group")] int WorkersPerGroup,
    [property: JsonPropertyName("seed")] long Seed,
    [property: JsonPropertyName("config")] IReadOnlyDictionary<string, string> Config,
    [property: JsonPropertyName("started_utc")] DateTimeOffset StartedUtc,
    [property: JsonPropertyName("threads")] IReadOnlyDictionary<string, string> Threads)
{
    /// <summary>"run-id (mode)", the label used in legends and tables; not part of the file.</summary>
    [JsonIgnore]
    public string Label => $"{RunId} ({ReportingJson.ModeName(Mode)})";
}
