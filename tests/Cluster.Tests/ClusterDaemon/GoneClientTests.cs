using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.Remote;
using Google.Protobuf.WellKnownTypes;

namespace ActorCodistill.Cluster.Tests.ClusterDaemon;

/// <summary>
/// A client that is no member (ctl: it connects, asks, gets its answer and exits) leaves nothing behind on the seed:
/// the endpoint the seed opened to answer it is forgotten once the client is gone, instead of being retried for ever
/// with a warning every ~10 s per past call (issue 19, finding 8).
/// </summary>
[Trait("Category", "MultiNode")]
public sealed class GoneClientTests : IDisposable
{
    private readonly ClusterTestHarness _harness = new(2);

    public void Dispose() => _harness.Dispose();

    private sealed class Echo : ReceiveActor
    {
        public Echo() => Receive<StringValue>(m => Sender.Tell(m));
    }

    [Fact]
    public async Task AClientThatAskedAndLeft_HasNoEndpointLeftOnTheSeed()
    {
        _harness.StartCluster(0, [_harness.Address(0)]);
        _harness.AwaitAllUp(0);
        var seed = _harness.Nodes.Node(0);
        seed.System.ActorOf(Props.Create(() => new Echo()), "job");

        // Node 1 is a plain client: no cluster, one question.
        var client = _harness.Nodes.Node(1);
        var job = client.Remoting.ResolveRemote(seed.PathOf("user/job"));
        Assert.Equal("status?", (await job.Ask<StringValue>(new StringValue { Value = "status?" }, TimeSpan.FromSeconds(10))).Value);
        var clientAddress = AddressOf(client);
        Assert.Contains(clientAddress, seed.Remoting.Transport.Endpoints);

        _harness.Nodes.Shutdown(1);

        _harness.Nodes.AwaitCondition(() => !seed.Remoting.Transport.Endpoints.Contains(clientAddress),
            $"the seed forgets the gone client {clientAddress}", TimeSpan.FromSeconds(20));
        Assert.Contains(seed.Logs.Events, e => e.Message.Contains($"forgetting {clientAddress}", StringComparison.Ordinal));
    }

    private static RemoteAddress AddressOf(TestKit.MultiNode.ClusterNode node) => node.Remoting.LocalAddress.Address;
}
