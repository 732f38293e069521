using System.Text.Json;
using System.Text.Json.Serialization;

namespace ActorCodistill.Coordinator.Dashboard;

/// <summary>How the dashboard writes and reads JSON: camelCase, and NaN/Infinity losses as strings (a diverging run must
/// still be shown; the page turns them back into numbers).</summary>
public static class DashboardJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        WriteIndented = false,
    };
}
