namespace ActorCodistill.Cluster.Configuration;

/// <summary>
/// Implemented by configuration providers that know where each key's value came from, so that
/// <see cref="SettingsReader"/> can point an error at <c>file:line:col</c>, an environment variable or the command line.
/// </summary>
public interface IConfigurationOriginProvider
{
    /// <param name="key">A configuration key with ':' separators, e.g. <c>remote:port</c>.</param>
    bool TryGetOrigin(string key, out HoconOrigin origin);
}
