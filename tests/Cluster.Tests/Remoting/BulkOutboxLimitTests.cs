using System.Net;
using System.Net.Sockets;
using ActorCodistill.Cluster.Remoting;
using ActorCodistill.Cluster.Tests.Remote;
using ActorCodistill.TestKit.MultiNode;

namespace ActorCodistill.Cluster.Tests.Remoting;

/// <summary>remote.bulk-outbox-limit: a peer that takes nothing cannot make the sender queue without bound.</summary>
[Trait("Category", "MultiNode")]
public sealed class BulkOutboxLimitTests : IDisposable
{
    private const long Limit = 1024 * 1024;

    private readonly MultiNodeCluster _cluster = MultiNodeCluster.Start(1, RemotingTestSettings.Secret,
        new MultiNodeOptions { ConfigureRemote = s => s with { MaxBulkOutboxBytes = Limit } });

    // Accepts connections and never answers: the handshake to it hangs, so everything sent to it stays queued.
    private readonly TcpListener _silent = new(IPAddress.Loopback, 0);
    private readonly List<Socket> _accepted = [];

    public BulkOutboxLimitTests()
    {
        BulkTestMessages.Register(_cluster.Node(0).Remoting.Serializers);
        _silent.Start();
        _ = AcceptForeverAsync();
    }

    private async Task AcceptForeverAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _silent.AcceptSocketAsync();
                lock (_accepted) _accepted.Add(socket);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        _cluster.Dispose();
        _silent.Stop();
        lock (_accepted) foreach (var s in _accepted) s.Dispose();
    }

    [Fact]
    public void Tell_ToAPeerThatTakesNothing_PastTheLimitBecomesDeadLettersAtOnce_WithOneWarningNamingTheSetting()
    {
        var node = _cluster.Node(0);
        var own = node.Remoting.LocalAddress.Address.ToString();
        var port = ((IPEndPoint)_silent.LocalEndpoint).Port;
        var silentAddress = own[..own.LastIndexOf(':')] + ":" + port;
        var target = node.System.ResolveRemote($"{silentAddress}/user/nobody#42");
        var before = node.System.DeadLetterCount;

        // An empty outbox takes a message of any allowed size, even one past the limit ...
        target.Tell(new Blob(0, new byte[2 * Limit]));
        // ... and then nothing more while that one waits for the peer.
        for (var i = 1; i <= 10; i++) target.Tell(new Blob(i, new byte[64 * 1024]));

        Assert.Equal(before + 10, node.System.DeadLetterCount);
        var warnings = node.Logs.Events.Where(e => e.Message.Contains("bulk outbox to", StringComparison.Ordinal)
                                                  && e.Message.Contains("is full", StringComparison.Ordinal)).ToArray();
        Assert.Single(warnings);
        Assert.Contains("remote.bulk-outbox-limit", warnings[0].Message);
        Assert.Contains($":{port}", warnings[0].Message);
    }
}
