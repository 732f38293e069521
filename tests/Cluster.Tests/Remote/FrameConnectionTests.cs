using System.Buffers;
using System.Net;
using System.Net.Sockets;
using ActorCodistill.Cluster.Remote.Framing;
using ActorCodistill.Cluster.Remote.Protocol;

namespace ActorCodistill.Cluster.Tests.Remote;

/// <summary>One connection's read loop against disposal from another thread, over a real loopback socket.</summary>
[Trait("Category", "Unit")]
public sealed class FrameConnectionTests
{
    /// <summary>
    /// The transport disposes a connection when its writer ends first or the node shuts down, while the read loop may
    /// be inside a frame handler. Completing the pipe under that loop handed the buffer it was walking back to the
    /// pool: the loop then threw ArgumentOutOfRangeException from the frame decoder (seen under load in the full
    /// suite, out of a transport's DisposeAsync) or could decode recycled bytes.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Dispose_WhileAFrameHandlerAwaits_LoopEndsShutDownAndNothingMoreIsDelivered(int handledFirst)
    {
        using var pair = await LoopbackPair.ConnectAsync();
        var connection = pair.Connection;

        // Several frames in one write, so they sit in one pipe buffer behind the frame being handled.
        var frames = new ArrayBufferWriter<byte>();
        for (var i = 0; i < 8; i++)
            FrameCodec.WriteMessage(frames, FrameType.Control, 0, new Close { Reason = $"frame {i} " + new string('x', 100 * i) });
        await pair.Client.SendAsync(frames.WrittenMemory);

        var delivered = new List<string>();
        var inHandler = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var loop = connection.RunReadLoopAsync(async frame =>
        {
            delivered.Add(Close.Parser.ParseFrom(frame.Payload).Reason);
            if (delivered.Count == handledFirst)
            {
                inHandler.SetResult();
                await release.Task;
            }
            return true;
        }, CancellationToken.None);

        await inHandler.Task.WaitAsync(RemoteTestKit.WaitLimit);
        await connection.DisposeAsync();
        // Churn the shared pool so recycled segments would hold other bytes.
        for (var i = 0; i < 64; i++) ArrayPool<byte>.Shared.Return(ArrayPool<byte>.Shared.Rent(4096), clearArray: true);
        release.SetResult();

        Assert.Equal("shut down", await loop.WaitAsync(RemoteTestKit.WaitLimit));
        Assert.Equal(Enumerable.Range(0, handledFirst).Select(i => $"frame {i} " + new string('x', 100 * i)), delivered);
    }

    [Fact]
    public async Task ReadLoop_AfterDispose_EndsAtOnceWithoutTouchingThePipe()
    {
        using var pair = await LoopbackPair.ConnectAsync();
        var connection = pair.Connection;
        await connection.DisposeAsync();

        Assert.Equal("shut down", await connection.RunReadLoopAsync(_ => ValueTask.FromResult(true), CancellationToken.None));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await connection.ReadOneAsync(f => f.Type, CancellationToken.None));
    }

    /// <summary>A client socket and the accepted end, which a <see cref="FrameConnection"/> reads.</summary>
    private sealed class LoopbackPair : IDisposable
    {
        private readonly Socket _listener;
        private readonly Socket _server;

        private LoopbackPair(Socket listener, Socket client, Socket server)
        {
            (_listener, Client, _server) = (listener, client, server);
            Connection = new FrameConnection(server, new NetworkStream(server, ownsSocket: false), 64 * 1024, "test peer");
        }

        public Socket Client { get; }

        public FrameConnection Connection { get; }

        public static async Task<LoopbackPair> ConnectAsync()
        {
            var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(1);
            var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await client.ConnectAsync(listener.LocalEndPoint!);
            return new LoopbackPair(listener, client, await listener.AcceptAsync());
        }

        public void Dispose()
        {
            _server.Dispose();
            Client.Dispose();
            _listener.Dispose();
        }
    }
}
