using System.Security.Cryptography;

namespace ActorCodistill.Cluster.Persistence;

internal static class SnapshotChecksum
{
    public const int Length = 32;

    public static byte[] Compute(byte[] payload) => SHA256.HashData(payload);

    /// <summary>Null when the payload matches, else the reason it does not.</summary>
    public static string? Verify(byte[] payload, byte[] checksum)
    {
        if (checksum.Length != Length)
            return $"stored checksum has {checksum.Length} bytes, expected a {Length}-byte SHA-256";
        return CryptographicOperations.FixedTimeEquals(Compute(payload), checksum)
            ? null
            : $"SHA-256 of the {payload.Length}-byte payload does not match the stored checksum";
    }
}
