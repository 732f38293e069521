using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ActorCodistill.Cluster.Security;

/// <summary>
/// The cluster's identity for Akka.Remote's TLS: a private certificate authority, and per-node certificates it issues.
/// Akka trusts a peer that passes TLS completely (it may join, down nodes, message any actor), so the only question a
/// node asks of a peer is "was your certificate issued by our CA?" (<see cref="TrustsOnly"/>). A self-signed or public
/// certificate must not do: with validation suppressed, a stranger holding any certificate joined and downed a node
/// (issue 17).
/// </summary>
public static class ClusterCertificates
{
    /// <summary>A new cluster CA (ECDSA P-256), valid for <paramref name="lifetime"/>.</summary>
    public static X509Certificate2 CreateAuthority(string name, TimeSpan lifetime)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow.AddMinutes(-5);
        using var cert = request.CreateSelfSigned(now, now + lifetime);
        return Reload(cert);
    }

    /// <summary>
    /// The cluster CA derived from the cluster secret: every node that holds the secret makes the same CA key (ECDSA
    /// P-256, the private scalar from HKDF-SHA256 over the secret, salted and bound to <paramref name="clusterName"/>), so
    /// each can issue its own node certificate and trust exactly the others' without a certificate being copied between
    /// machines. The secret stays the one thing an operator distributes (CODISTILL_SECRET), as with the product's own
    /// HMAC handshake; a node without it can neither make a certificate this CA issued nor pass a node's check. The
    /// certificate itself is not byte-identical across nodes (ECDSA signatures are randomised), but its key and subject
    /// are, which is what a chain is built on. Use a high-entropy secret: it is the CA's private key material.
    /// </summary>
    public static X509Certificate2 AuthorityFromSecret(ReadOnlySpan<byte> secret, string clusterName)
    {
        if (secret.Length < 16) throw new ArgumentException("the cluster secret must be at least 16 bytes to derive the cluster CA from it", nameof(secret));
        ArgumentException.ThrowIfNullOrWhiteSpace(clusterName);
        // 48 bytes reduced modulo n-1, plus 1: a scalar in [1, n-1] with negligible bias.
        var okm = HKDF.DeriveKey(HashAlgorithmName.SHA256, secret.ToArray(), 48,
            System.Text.Encoding.UTF8.GetBytes("ActorCodistill cluster CA v1"), System.Text.Encoding.UTF8.GetBytes(clusterName));
        var n = System.Numerics.BigInteger.Parse("0FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", System.Globalization.NumberStyles.HexNumber);
        var scalar = new System.Numerics.BigInteger(okm, isUnsigned: true, isBigEndian: true) % (n - 1) + 1;
        var d = new byte[32];
        scalar.TryWriteBytes(d.AsSpan(32 - scalar.GetByteCount(isUnsigned: true)), out _, isUnsigned: true, isBigEndian: true);
        using var key = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = d });
        CryptographicOperations.ZeroMemory(okm);
        CryptographicOperations.ZeroMemory(d);
        var request = new CertificateRequest($"CN={clusterName} cluster CA (from the cluster secret)", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        // Fixed validity, so every node's copy says the same; node certificates carry the real lifetimes.
        using var cert = request.CreateSelfSigned(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2125, 1, 1, 0, 0, 0, TimeSpan.Zero));
        return Reload(cert);
    }

    /// <summary>A node certificate for <paramref name="nodeName"/> issued by <paramref name="authority"/> (which must hold its key).</summary>
    public static X509Certificate2 IssueNode(X509Certificate2 authority, string nodeName, TimeSpan lifetime)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={nodeName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        // Every node is a server (it listens) and a client (it connects): mutual TLS.
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(nodeName);
        request.CertificateExtensions.Add(san.Build());
        var notBefore = DateTimeOffset.UtcNow.AddMinutes(-5);
        var notAfter = notBefore + lifetime;
        if (notAfter > authority.NotAfter) notAfter = authority.NotAfter;
        var serial = RandomNumberGenerator.GetBytes(16);
        using var issued = request.Create(authority, notBefore, notAfter, serial);
        using var withKey = issued.CopyWithPrivateKey(key);
        return Reload(withKey);
    }

    // TLS on Linux wants a certificate whose key came from a PKCS#12 load, not an ephemeral one.
    private static X509Certificate2 Reload(X509Certificate2 cert) =>
        X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);

    /// <summary>
    /// Why <paramref name="peer"/> is not a certificate of this cluster (not issued by <paramref name="authority"/>,
    /// expired, not yet valid), or null when it is. The chain is built against the cluster CA alone: the machine's
    /// trust store plays no part, so a publicly trusted certificate is a stranger's too.
    /// </summary>
    public static string? Check(X509Certificate2 authority, X509Certificate2? peer)
    {
        if (peer is null) return "the peer presented no certificate";
        var now = DateTime.Now;
        if (now > peer.NotAfter) return $"the peer's certificate '{peer.Subject}' expired on {peer.NotAfter:u}";
        if (now < peer.NotBefore) return $"the peer's certificate '{peer.Subject}' is not valid before {peer.NotBefore:u}";
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.NoFlag;
        if (!chain.Build(peer))
            return $"the peer's certificate '{peer.Subject}' (issuer '{peer.Issuer}') was not issued by this cluster's CA " +
                   $"'{authority.Subject}': {string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()))}";
        var root = chain.ChainElements[^1].Certificate;
        return root.Thumbprint == authority.Thumbprint ? null : $"the peer's certificate chains to '{root.Subject}', not to this cluster's CA";
    }
}
