using System.Security.Cryptography;
using System.Text;

namespace ActorCodistill.Coordinator.Dashboard;

public enum ChangeAuthorization { Allowed, Disabled, Missing, Wrong }

/// <summary>
/// Who may change the job from the page: a request whose <c>Authorization: Bearer</c> value is the cluster secret, or
/// the dashboard token derived from it (<see cref="TokenFor"/>: HMAC-SHA256 of a fixed purpose string, keyed by the
/// secret; <c>dashboard-token</c> prints it). The token lets a person change the job from the page without holding the
/// secret that admits nodes to the cluster. Both comparisons are of SHA-256 digests with a constant-time compare, so
/// neither the length nor a prefix of the secret leaks through timing.
/// </summary>
public sealed class ChangeAuthorizer
{
    /// <summary>What the token is for; a new version of the scheme changes it, so old tokens stop working.</summary>
    public const string Purpose = "actorcodistill/dashboard-changes/v1";

    private readonly bool _enabled;
    private readonly byte[] _secretDigest;
    private readonly byte[] _tokenDigest;

    public ChangeAuthorizer(bool enabled, string secret)
    {
        if (enabled && secret.Length == 0) throw new ArgumentException("changes from the dashboard need a cluster secret", nameof(secret));
        _enabled = enabled;
        _secretDigest = SHA256.HashData(Encoding.UTF8.GetBytes(secret));
        _tokenDigest = SHA256.HashData(Encoding.UTF8.GetBytes(secret.Length == 0 ? "" : TokenFor(secret)));
    }

    /// <summary>The dashboard token of a cluster secret: lowercase hex of HMAC-SHA256(key = secret, message = <see cref="Purpose"/>).</summary>
    public static string TokenFor(string secret)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(Purpose)));
    }

    /// <param name="authorization">The request's Authorization header, or null.</param>
    public ChangeAuthorization Check(string? authorization)
    {
        if (!_enabled) return ChangeAuthorization.Disabled;
        const string scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return ChangeAuthorization.Missing;
        var presented = authorization[scheme.Length..].Trim();
        if (presented.Length == 0) return ChangeAuthorization.Missing;
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        // Both compared every time (non-short-circuit |): which of the two matched is not visible in the time taken either.
        var matches = CryptographicOperations.FixedTimeEquals(digest, _tokenDigest) | CryptographicOperations.FixedTimeEquals(digest, _secretDigest);
        return matches ? ChangeAuthorization.Allowed : ChangeAuthorization.Wrong;
    }
}
