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
    public void AWorkerWithACertificateFromTheClusterCa_Joins()
    {
        Seed.Join(Seed.SelfAddress);
        var worker = Join(Tls(Authorities.Value.Ca, "worker-1"));
        AwaitAssert(() => Assert.Equal(2, Seed.State.Members.Count(m => m.Status == MemberStatus.Up)), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200));
        Assert.Equal(2, Akka.Cluster.Cluster.Get(worker).State.Members.Count);
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
