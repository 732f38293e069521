using System.Diagnostics;
using System.Net.Sockets;
using ActorCodistill.Cluster.Remote;
using ActorCodistill.Cluster.Remote.Framing;
using ActorCodistill.Cluster.Remote.Protocol;
using static ActorCodistill.Cluster.Tests.Remote.RemoteTestKit;

namespace ActorCodistill.Cluster.Tests.Remote;

/// <summary>
/// What a stranger can cost a node before proving the secret (issue 19, finding 7: 200-500 connections that each sent a
/// handshake frame just under the 4 MiB frame limit and never finished pushed a seed from 0.5 to 1.6 GB): a connection
/// that announces more than a handshake frame is dropped at once, and only so many handshakes may be pending; beyond
/// that a connection is closed at accept, and the node still lets the cluster's own peers in afterwards.
/// </summary>
[Trait("Category", "MultiNode")]
public class PreAuthenticationLimitsTests
{
    // Long enough that a connection closed within the test's wait was closed by the limit, not by the timeout.
    private static RemoteSettings Patient(int pendingHandshakes = 64) => Settings() with
    {
        HandshakeTimeout = TimeSpan.FromSeconds(60),
        MaxFrameSize = 4 * 1024 * 1024,
        MaxPendingHandshakes = pendingHandshakes,
    };

    [Fact]
    public async Task AHandshakeFrameLargerThanAHandshakeNeeds_ClosesTheConnectionAtOnce()
    {
        await using var node = new TestNode(Patient());
        using var socket = await ConnectRawAsync(node.Address);
        // A valid frame head announcing a handshake of just under the (authenticated) frame limit, then silence: before
        // the fix the node kept the connection and would buffer the 4 MiB until the handshake timed out.
        await socket.SendAsync(HandshakeHead(4 * 1024 * 1024 - 64));

        var watch = Stopwatch.StartNew();
        Assert.Equal(0, await ReadToEndAsync(socket, TimeSpan.FromSeconds(10)));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"closed after {watch.Elapsed}");
        await node.Log.WaitFor("refused connection from", $"exceeds maximum-frame-size {Handshake.MaxFrameSize}");
        Assert.Equal(0, node.Handler.FramesDelivered);
    }

    [Fact]
    public async Task BeyondTheLimitOfPendingHandshakes_ConnectionsAreClosedAtAccept_AndPeersStillGetInAfterwards()
    {
        await using var node = new TestNode(Patient(pendingHandshakes: 3));
        var idle = new List<Socket>();
        try
        {
            for (var i = 0; i < 3; i++) idle.Add(await ConnectRawAsync(node.Address));
            // Until the node has accepted the three and started their handshakes.
            var deadline = DateTime.UtcNow + WaitLimit;
            while (node.Transport.PendingHandshakes < 3 && DateTime.UtcNow < deadline) await Task.Delay(20);
            Assert.Equal(3, node.Transport.PendingHandshakes);
            using (var extra = await ConnectRawAsync(node.Address))
            {
                Assert.Equal(0, await ReadToEndAsync(extra, TimeSpan.FromSeconds(10)));
            }
            await node.Log.WaitFor("refused connection from", "3 handshakes already pending (maximum-pending-handshakes");
        }
        finally
        {
            foreach (var socket in idle) socket.Dispose();
        }

        // The idle ones gone, a peer with the secret associates as usual.
        await using var peer = new TestNode(Settings());
        var endpoint = peer.Transport.GetOrConnect(node.Address.Address);
        await endpoint.WhenAssociated().WaitAsync(WaitLimit);
        endpoint.SendControl(Envelope(1));
        await node.Handler.WhenControlCount(1);
    }

    private static byte[] HandshakeHead(int length)
    {
        var head = new byte[FrameCodec.HeaderSize];
        FrameCodec.WriteHeader(head, FrameType.Handshake, (ushort)HandshakeStep.Hello, length);
        return head;
    }

    /// <summary>Bytes read until the peer closes (0 when it closes without sending anything); throws if it stays open.</summary>
    private static async Task<int> ReadToEndAsync(Socket socket, TimeSpan limit)
    {
        using var cts = new CancellationTokenSource(limit);
        var buffer = new byte[4096];
        var total = 0;
        try
        {
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                if (n == 0) return total;
                total += n;
            }
        }
        catch (SocketException)
        {
            return total;
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the node kept the connection open for {limit}");
        }
    }
}
