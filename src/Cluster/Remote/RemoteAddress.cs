using System.Globalization;
using ActorCodistill.Cluster.Remote.Protocol;

namespace ActorCodistill.Cluster.Remote;

/// <summary>Where a node listens: <c>acd://system@host:port</c>, Akka's address shape.</summary>
public sealed record RemoteAddress(string System, string Host, int Port)
{
    public const string Scheme = "acd";

    public override string ToString() => $"{Scheme}://{System}@{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";

    public static RemoteAddress Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var prefix = Scheme + "://";
        var at = text.IndexOf('@');
        var colon = text.LastIndexOf(':');
        if (!text.StartsWith(prefix, StringComparison.Ordinal) || at < prefix.Length + 1 || colon < at + 2
            || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || port is < 0 or > 65535)
        {
            throw new FormatException($"'{text}' is not a remote address; expected {Scheme}://system@host:port");
        }
        return new RemoteAddress(text[prefix.Length..at], text[(at + 1)..colon], port);
    }

    internal UniqueAddressProto ToProto(ulong uid) => new() { System = System, Host = Host, Port = Port, Uid = uid };
}

/// <summary>One incarnation of a node: a restarted node keeps its address but picks a new uid.</summary>
public sealed record UniqueRemoteAddress(RemoteAddress Address, ulong Uid)
{
    public override string ToString() => $"{Address}#{Uid.ToString(CultureInfo.InvariantCulture)}";

    internal UniqueAddressProto ToProto() => Address.ToProto(Uid);

    internal static UniqueRemoteAddress FromProto(UniqueAddressProto proto) =>
        new(new RemoteAddress(proto.System, proto.Host, proto.Port), proto.Uid);
}
