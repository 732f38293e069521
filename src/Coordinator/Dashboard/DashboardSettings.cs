using System.Globalization;
using System.Net;
using ActorCodistill.Cluster.Configuration;

namespace ActorCodistill.Coordinator.Dashboard;

/// <summary>
/// The <c>dashboard</c> section of the configuration, read and checked once at start-up (hocon/reference.conf documents
/// every key). <c>--dashboard host:port</c> on <c>train</c> and <c>seed</c> sets <c>enabled</c> and <c>bind</c>
/// (<see cref="CommandLineOverrides"/>).
/// </summary>
/// <param name="Secret">The cluster secret (<c>remote.secret</c>, or <c>CODISTILL_SECRET</c>) that authorises changes; empty = none.</param>
public sealed record DashboardSettings(bool Enabled, IPAddress Address, int Port, bool AllowChanges, TimeSpan StatusInterval, string Secret)
{
    public const string Section = "dashboard";

    /// <summary>Whether only this machine can reach the page (127.0.0.0/8, ::1).</summary>
    public bool Loopback => IPAddress.IsLoopback(Address);

    public static DashboardSettings From(SettingsReader root)
    {
        var section = root.At(Section);
        var enabled = section.GetBool("enabled");
        var bindKey = "bind";
        var (address, port) = section.Get(bindKey, "host:port, e.g. \"127.0.0.1:8050\" (port 0 picks a free one; quote it: ':' is special in HOCON)", ParseBind);
        var allowChanges = section.GetBool("allow-changes");
        var interval = section.GetDuration("status-interval", TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1));
        var secret = root.GetString("remote.secret");
        if (enabled && allowChanges && secret.Length == 0)
            throw section.Error("allow-changes", "off, or on with a cluster secret",
                "changes from the dashboard need the cluster secret (remote.secret or CODISTILL_SECRET), and none is set");
        return new DashboardSettings(enabled, address, port, allowChanges, interval, secret);
    }

    /// <summary>
    /// <c>host:port</c> (an IPv4 address, <c>[IPv6]</c>, or <c>localhost</c>) to an address Kestrel can bind.
    /// Host names other than localhost are refused: the dashboard binds exactly what it is told, not what DNS says today.
    /// </summary>
    public static (IPAddress Address, int Port) ParseBind(string text)
    {
        var value = text.Trim();
        var colon = value.LastIndexOf(':');
        if (colon <= 0 || colon == value.Length - 1)
            throw new FormatException($"'{text}' is not host:port");
        var host = value[..colon];
        var portText = value[(colon + 1)..];
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
            throw new FormatException($"port '{portText}' is not a number from 0 to 65535");
        if (host.StartsWith('[') && host.EndsWith(']')) host = host[1..^1];
        else if (host.Contains(':')) throw new FormatException($"write an IPv6 address in brackets, e.g. [::1]:{port}");
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return (IPAddress.Loopback, port);
        if (!IPAddress.TryParse(host, out var address))
            throw new FormatException($"host '{host}' is not an IP address or localhost (0.0.0.0 binds every interface)");
        return (address, port);
    }

    /// <summary>
    /// <paramref name="overrides"/> (from --set) with what <c>--dashboard host:port</c> stands for: <c>dashboard.enabled = on</c>
    /// and <c>dashboard.bind</c> (checked when the settings are read, naming the key). Null: the overrides as they are.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> WithCommandLine(IReadOnlyDictionary<string, string?> overrides, string? bind)
    {
        if (bind is null) return overrides;
        var merged = overrides.ToDictionary(kv => kv.Key, kv => kv.Value);
        merged[$"{Section}.enabled"] = "on";
        merged[$"{Section}.bind"] = bind;
        return merged;
    }

    /// <summary>The dashboard token of the configured cluster secret (<see cref="ChangeAuthorizer.TokenFor"/>).</summary>
    public static string TokenFrom(SettingsReader root)
    {
        var secret = root.GetString("remote.secret");
        if (secret.Length == 0)
            throw root.Error("remote.secret", "the cluster secret (or CODISTILL_SECRET)", "empty: there is no secret to derive a dashboard token from");
        return ChangeAuthorizer.TokenFor(secret);
    }
}
