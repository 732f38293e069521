using System.Text.Json;
using System.Text.Json.Serialization;

namespace ActorCodistill.Coordinator.Reporting;

/// <summary>The one set of JSON options for run files, so writer and reader cannot drift apart.</summary>
public static class ReportingJson
{
    /// <summary>One object per line for metrics.jsonl.</summary>
    public static JsonSerializerOptions Line { get; } = Create(indented: false);

    /// <summary>Human-readable run.json.</summary>
    public static JsonSerializerOptions Document { get; } = Create(indented: true);

    public static string ModeName(RunMode mode) => mode switch
    {
        RunMode.Baseline => "baseline",
        RunMode.Codistill => "codistill",
        _ => mode.ToString().ToLowerInvariant(),
    };

    private static JsonSerializerOptions Create(bool indented)
    {
        var options = new JsonSerializerOptions
        {
            WriteIndented = indented,
            // A diverged run logs NaN/Infinity losses; they must survive the round trip rather than
            // kill the writer thread in the middle of training.
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            // A line missing a field is malformed, not silently a zero.
            RespectRequiredConstructorParameters = true,
            RespectNullableAnnotations = true,
            // Producers other than MetricsWriter (scripts) may not put "kind" first.
            AllowOutOfOrderMetadataProperties = true,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
