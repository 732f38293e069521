namespace ActorCodistill.Cluster.Configuration;

/// <summary>
/// Where a configuration value came from. <see cref="Line"/> and <see cref="Column"/> are 1-based;
/// both are 0 for sources without positions (environment variables, command-line overrides).
/// </summary>
public readonly record struct HoconOrigin(string Source, int Line, int Column)
{
    public bool HasPosition => Line > 0;

    public static HoconOrigin Unpositioned(string description) => new(description, 0, 0);

    public override string ToString() => HasPosition ? $"{Source}:{Line}:{Column}" : Source;
}
