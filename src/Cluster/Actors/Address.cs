namespace ActorCodistill.Cluster.Actors;

/// <summary>Where an actor system lives: <c>act://system</c> locally, <c>act://system@host:port</c> when remote.</summary>
public sealed record Address(string Protocol, string System, string? Host = null, int? Port = null)
{
    public const string DefaultProtocol = "act";

    public bool HasLocalScope => Host is null;

    public static Address Local(string system) => new(DefaultProtocol, system);

    public override string ToString() =>
        Host is null ? $"{Protocol}://{System}" : $"{Protocol}://{System}@{Host}:{Port}";

    /// <summary>Parses <c>proto://system</c> or <c>proto://system@host:port</c> (no path).</summary>
    public static Address Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sep = text.IndexOf("://", StringComparison.Ordinal);
        if (sep <= 0)
        {
            throw new FormatException($"Address '{text}' has no protocol (expected act://system[@host:port]).");
        }
        var protocol = text[..sep];
        var rest = text[(sep + 3)..];
        var at = rest.IndexOf('@');
        if (at < 0)
        {
            RequireName(rest, text);
            return new Address(protocol, rest);
        }
        var system = rest[..at];
        RequireName(system, text);
        var hostPort = rest[(at + 1)..];
        var colon = hostPort.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(hostPort[(colon + 1)..], out var port) || port is < 0 or > 65535)
        {
            throw new FormatException($"Address '{text}' must end in @host:port with a port in 0..65535.");
        }
        return new Address(protocol, system, hostPort[..colon], port);
    }

    private static void RequireName(string system, string text)
    {
        if (system.Length == 0)
        {
            throw new FormatException($"Address '{text}' has an empty system name.");
        }
    }
}
