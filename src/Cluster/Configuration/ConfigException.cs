namespace ActorCodistill.Cluster.Configuration;

/// <summary>
/// A configuration value is missing or invalid. The message names the origin (<c>file:line:col</c>,
/// <c>env CODISTILL__...</c> or <c>command line ...</c>), the key, the value found and what was expected.
/// </summary>
public sealed class ConfigException : Exception
{
    public ConfigException(string key, string? origin, string? value, string expected, string? problem = null, Exception? inner = null)
        : base(Format(key, origin, value, expected, problem), inner)
    {
        Key = key;
        Origin = origin;
        Value = value;
        Expected = expected;
    }

    /// <summary>Dotted key, e.g. <c>training.reload-interval</c>.</summary>
    public string Key { get; }

    /// <summary>Where the value came from; null when the key is missing everywhere.</summary>
    public string? Origin { get; }

    public string? Value { get; }

    public string Expected { get; }

    private static string Format(string key, string? origin, string? value, string expected, string? problem)
    {
        if (origin is null)
        {
            return $"configuration key '{key}' is missing (expected {expected}; every key has a default in hocon/reference.conf, is it loaded?)";
        }

        var found = value is null ? "null" : $"'{value}'";
        return $"{origin}: configuration key '{key}' = {found}: {problem ?? "invalid value"} (expected {expected})";
    }
}
