using ActorCodistill.Cluster.Bootstrap;
using ActorCodistill.Cluster.Security;
using Akka.Actor;
using Akka.Cluster;
using Xunit.Abstractions;

namespace ActorCodistill.Cluster.Tests.MultiNode;

/// <summary>
/// Strangers stay out of an Akka.Cluster running mutual TLS with the cluster's CA (issue 17): a worker node with a
/// certificate from the cluster CA joins; a node with a certificate from another CA, and one without TLS, never become
/// members, and the seed keeps its members and keeps running.
/// </summary>
[Trait("Category", "MultiNode")]
public sealed class MutualTlsTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(1);
    private static readonly Lazy<(System.Security.Cryptography.X509Certificates.X509Certificate2 Ca, System.Security.Cryptography.X509Certificates.X509Certificate2 Other)> Authorities =
        new(() => (ClusterCertificates.CreateAuthority("codistill test cluster CA", Lifetime), ClusterCertificates.CreateAuthority("a stranger's CA", Lifetime)));

    private readonly List<ActorSystem> _others = [];

    public MutualTlsTests(ITestOutputHelper output)
        : base(AkkaNode.Setup(new AkkaNodeOptions("codistill", Roles: ["seed"]) { Tls = Tls(Authorities.Value.Ca, "seed") }), "codistill", output)
    {
    }

    private static ClusterTls Tls(System.Security.Cryptography.X509Certificates.X509Certificate2 issuer, string node) =>
        new(Authorities.Value.Ca, ClusterCertificates.IssueNode(issuer, node, Lifetime));

    private Akka.Cluster.Cluster Seed => Akka.Cluster.Cluster.Get(Sys);

    private ActorSystem Join(ClusterTls? tls)
    {
        var seed = AkkaNode.AddressOf(Sys);
        var system = ActorSystem.Create("codistill", AkkaNode.Setup(
            new AkkaNodeOptions("codistill", SeedNodes: [$"{seed.Host}:{seed.Port}"], Roles: ["worker"]) { Tls = tls }));
        _others.Add(system);
        return system;
    }

    protected override void AfterAll()
    {
        foreach (var s in _others) s.Terminate().Wait(TimeSpan.FromSeconds(10));
        base.AfterAll();
    }

    [Fact]
    public void TheCaDerivedFromTheSecret_IsTheSameKeyOnEveryNode_AndAnotherSecretOrClusterNameGivesAnother()
    {
        const string secret = "the-cluster-secret-0123456789";
        var a = ClusterCertificates.AuthorityFromSecret(System.Text.Encoding.UTF8.GetBytes(secret), "codistill");
        var b = ClusterCertificates.AuthorityFromSecret(System.Text.Encoding.UTF8.GetBytes(secret), "codistill");
        Assert.Equal(a.PublicKey.EncodedKeyValue.RawData, b.PublicKey.EncodedKeyValue.RawData);
        Assert.Equal(a.Subject, b.Subject);
        var otherSecret = ClusterCertificates.AuthorityFromSecret(System.Text.Encoding.UTF8.GetBytes(secret + "!"), "codistill");
        var otherName = ClusterCertificates.AuthorityFromSecret(System.Text.Encoding.UTF8.GetBytes(secret), "another-cluster");
        Assert.NotEqual(a.PublicKey.EncodedKeyValue.RawData, otherSecret.PublicKey.EncodedKeyValue.RawData);
        Assert.NotEqual(a.PublicKey.EncodedKeyValue.RawData, otherName.PublicKey.EncodedKeyValue.RawData);

        // A node certificate issued by one node's copy of the CA passes another node's check; one from another secret does not.
        var issuedOnA = ClusterCertificates.IssueNode(a, "worker-1", Lifetime);
        Assert.Null(ClusterCertificates.Check(b, issuedOnA));
        Assert.NotNull(ClusterCertificates.Check(b, ClusterCertificates.IssueNode(otherSecret, "stranger", Lifetime)));
        Assert.Throws<ArgumentException>(() => ClusterCertificates.AuthorityFromSecret("short"u8, "codistill"));
    }

    [Fact]
    public async Task NodesThatHoldTheSecret_JoinOverTls_AndANodeWithAnotherSecretStaysOut()
    {
        // A cluster whose only shared identity is the secret: each node derives the CA and issues its own certificate.
        const string secret = "the-cluster-secret-0123456789";
        var seed = ActorSystem.Create("codistill", AkkaNode.Setup(new AkkaNodeOptions("codistill", Roles: ["seed"]) { Tls = ClusterTls.FromSecret(secret, "codistill", "seed") }));
        _others.Add(seed);
        var seedCluster = Akka.Cluster.Cluster.Get(seed);
        seedCluster.Join(seedCluster.SelfAddress);
        var address = AkkaNode.AddressOf(seed);
        ActorSystem JoinSeed(string nodeSecret, string node)
        {
            var system = ActorSystem.Create("codistill", AkkaNode.Setup(
                new AkkaNodeOptions("codistill", SeedNodes: [$"{address.Host}:{address.Port}"], Roles: ["worker"]) { Tls = ClusterTls.FromSecret(nodeSecret, "codistill", node) }));
            _others.Add(system);
            return system;
        }

        JoinSeed(secret, "worker-1");
        AwaitAssert(() => Assert.Equal(2, seedCluster.State.Members.Count(m => m.Status == MemberStatus.Up)), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200));
        var stranger = AkkaNode.AddressOf(JoinSeed("not-the-cluster-secret-0123456789", "stranger"));
        for (var i = 0; i < 24; i++)
        {
            Assert.DoesNotContain(seedCluster.State.Members, m => m.Address == stranger);
            await Task.Delay(250);
        }
        Assert.Equal(2, seedCluster.State.Members.Count(m => m.Status == MemberStatus.Up));
        Assert.False(seed.WhenTerminated.IsCompleted, "the seed's ActorSystem stopped");
    }

    [Fact]
    public void AWorkerWithACertificateFromTheClusterCa_Joins()
    {
        Seed.Join(Seed.SelfAddress);
        var worker = Join(Tls(Authorities.Value.Ca, "worker-1"));
        AwaitAssert(() => Assert.Equal(2, Seed.State.Members.Count(m => m.Status == MemberStatus.Up)), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200));
        // The worker learns the membership by gossip, a moment after the seed.
        AwaitAssert(() => Assert.Equal(2, Akka.Cluster.Cluster.Get(worker).State.Members.Count), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void AStrangerWithAnotherCasCertificate_OrWithoutTls_NeverBecomesAMember()
    {
        Seed.Join(Seed.SelfAddress);
        var friend = Join(Tls(Authorities.Value.Ca, "worker-1"));
        AwaitAssert(() => Assert.Equal(2, Seed.State.Members.Count(m => m.Status == MemberStatus.Up)), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200));

        // The stranger trusts our CA (it learnt the public certificate) but its own certificate is from another CA.
        var stranger = Join(Tls(Authorities.Value.Other, "stranger"));
        var plain = Join(null);
        var strangerAddress = AkkaNode.AddressOf(stranger);
        var plainAddress = AkkaNode.AddressOf(plain);
        // Long enough for a join to have completed several times over (the friend took well under this).
        for (var i = 0; i < 40; i++)
        {
            Assert.DoesNotContain(Seed.State.Members, m => m.Address == strangerAddress || m.Address == plainAddress);
            Thread.Sleep(250);
        }
        Assert.Equal(2, Seed.State.Members.Count(m => m.Status == MemberStatus.Up));
        Assert.False(Sys.WhenTerminated.IsCompleted, "the seed's ActorSystem stopped");
        Assert.Equal(2, Akka.Cluster.Cluster.Get(friend).State.Members.Count(m => m.Status == MemberStatus.Up));
    }

    [Fact]
    public void Check_NamesWhatIsWrongWithACertificate()
    {
        var (ca, other) = Authorities.Value;
        Assert.Null(ClusterCertificates.Check(ca, ClusterCertificates.IssueNode(ca, "n", Lifetime)));
        Assert.Contains("not issued by this cluster's CA", ClusterCertificates.Check(ca, ClusterCertificates.IssueNode(other, "n", Lifetime)));
        Assert.Contains("no certificate", ClusterCertificates.Check(ca, null));
        Assert.Contains("not issued by this cluster's CA", ClusterCertificates.Check(ca, other)); // a self-signed certificate
    }
}
