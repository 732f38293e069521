using System.Buffers;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ActorCodistill.Cluster.Remote;
using ActorCodistill.Cluster.Remote.Framing;
using ActorCodistill.Cluster.Remote.Protocol;
using Google.Protobuf;
using static ActorCodistill.Cluster.Tests.Remote.RemoteTestKit;

namespace ActorCodistill.Cluster.Tests.Remote;

[Trait("Category", "MultiNode")]
public class RemoteTransportTests
{
    [Fact]
    public async Task Handshake_SameSecret_BothSidesAssociateAndEnvelopeArrivesFromSender()
    {
        await using var a = new TestNode(Settings());
        await using var b = new TestNode(Settings());
        var endpoint = a.Transport.GetOrConnect(b.Address.Address);
        await endpoint.WhenAssociated().WaitAsync(WaitLimit);
        Assert.Equal(b.Address, endpoint.Peer);
        var inbound = (Associated)await b.WaitForEvent(e => e is Associated { Inbound: true, Channel: ChannelKind.Control });
        Assert.Equal((a.Address.Address, a.Address.Uid), (inbound.Peer, inbound.Uid));

        endpoint.SendControl(Envelope(1));
        await b.Handler.WhenControlCount(1);
        var (from, envelope) = b.Handler.Controls.Single();
        Assert.Equal(a.Address, from);
        Assert.Equal(Envelope(1), envelope);
    }

    [Fact]
    public async Task Handshake_WrongSecret_RefusedInBothDirectionsAndHandlersSeeNothing()
    {
        await using var a = new TestNode(Settings("the-secret-of-node-a-0123"));
        await using var b = new TestNode(Settings("the-secret-of-node-b-4567"));
        var ab = a.Transport.GetOrConnect(b.Address.Address);
        var ba = b.Transport.GetOrConnect(a.Address.Address);
        ab.SendControl(Envelope(1));
        ba.SendControl(Envelope(2));

        // Each initiator finds the acceptor's proof wrong and says so; each acceptor logs the refusal it was sent.
        await a.Log.WaitFor($"association with {b.Address.Address} failed", "did not prove it holds the cluster secret");
        await b.Log.WaitFor($"association with {a.Address.Address} failed", "did not prove it holds the cluster secret");
        await a.Log.WaitFor("refused connection from", "cluster secret");
        await b.Log.WaitFor("refused connection from", "cluster secret");

        Assert.False(ab.IsAssociated);
        Assert.False(ba.IsAssociated);
        Assert.Equal(0, a.Handler.FramesDelivered);
        Assert.Equal(0, b.Handler.FramesDelivered);
        Assert.DoesNotContain(a.Log.Lines.Concat(b.Log.Lines), line => line.Contains("the-secret-of-node", StringComparison.Ordinal));
        Assert.Contains(a.Log.Lines, line => line.Contains("Secret = <redacted>", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Handshake_InitiatorIgnoringChallengeWithWrongSecret_RefusedByAcceptor()
    {
        // A peer that skips checking our proof and answers with its own (wrong) secret must still be refused.
        await using var b = new TestNode(Settings());
        using var socket = await ConnectRawAsync(b.Address);
        await using var connection = new FrameConnection(socket, new NetworkStream(socket), 64 * 1024, "raw");
        var self = new UniqueRemoteAddress(new RemoteAddress("codistill", "127.0.0.1", 1), 9);
        await connection.SendMessageAsync(FrameType.Handshake, (ushort)HandshakeStep.Hello, new HandshakeHello
        {
            ProtocolVersion = 1, From = self.ToProto(), Nonce = ByteString.CopyFrom(new byte[32]), Channel = ChannelKind.Control,
        }, CancellationToken.None);
        var challenge = await connection.ReadOneAsync(frame => HandshakeChallenge.Parser.ParseFrom(frame.Payload), CancellationToken.None).AsTask().WaitAsync(WaitLimit);
        var forged = Handshake.Proof("not-the-cluster-secret-123"u8.ToArray(), challenge.Nonce.Span, self, b.Address, ChannelKind.Control, "initiator-proves");
        await connection.SendMessageAsync(FrameType.Handshake, (ushort)HandshakeStep.Proof, new HandshakeProof { Proof = ByteString.CopyFrom(forged) }, CancellationToken.None);

        Assert.Equal("peer did not prove it holds the cluster secret", await ReadCloseReasonAsync(connection));
        await b.Log.WaitFor("refused connection from", "did not prove");
        Assert.Equal(0, b.Handler.FramesDelivered);
    }

    [Fact]
    public async Task Handshake_WrongProtocolVersionInHeader_RefusedWithReason()
    {
        await using var b = new TestNode(Settings());
        using var socket = await ConnectRawAsync(b.Address);
        var frame = new ArrayBufferWriter<byte>();
        FrameCodec.WriteMessage(frame, FrameType.Handshake, (ushort)HandshakeStep.Hello, new HandshakeHello { ProtocolVersion = 2 });
        var bytes = frame.WrittenSpan.ToArray();
        bytes[2] = 2;
        await socket.SendAsync(bytes);

        await b.Log.WaitFor("refused connection from", "unsupported protocol version 2 (this node speaks 1)");
        Assert.Equal(0, await ReadToEndAsync(socket));
        Assert.Equal(0, b.Handler.FramesDelivered);
    }

    [Fact]
    public async Task Handshake_WrongProtocolVersionInHello_RefusedAndPeerToldWhy()
    {
        await using var b = new TestNode(Settings());
        using var socket = await ConnectRawAsync(b.Address);
        await using var connection = new FrameConnection(socket, new NetworkStream(socket), 64 * 1024, "raw");
        await connection.SendMessageAsync(FrameType.Handshake, (ushort)HandshakeStep.Hello, new HandshakeHello
        {
            ProtocolVersion = 2,
            From = new UniqueAddressProto { System = "codistill", Host = "127.0.0.1", Port = 1, Uid = 5 },
            Nonce = ByteString.CopyFrom(new byte[32]),
            Channel = ChannelKind.Control,
        }, CancellationToken.None);

        Assert.Equal("protocol version 2 not supported (this node speaks 1)", await ReadCloseReasonAsync(connection));
        await b.Log.WaitFor("refused connection from", "protocol version 2 not supported");
        Assert.Equal(0, b.Handler.FramesDelivered);
    }

    [Fact]
    public async Task Stranger_RandomBytes_RefusedAndNodeStillAcceptsPeers()
    {
        await using var b = new TestNode(Settings());
        using (var socket = await ConnectRawAsync(b.Address))
        {
            var garbage = new byte[256];
            new Random(11).NextBytes(garbage);
            garbage[0] = 0x47; // 'G', as an HTTP client would send
            await socket.SendAsync(garbage);
            await b.Log.WaitFor("refused connection from", "bad magic");
            Assert.Equal(0, await ReadToEndAsync(socket));
        }
        await using var a = new TestNode(Settings());
        var endpoint = a.Transport.GetOrConnect(b.Address.Address);
        endpoint.SendControl(Envelope(1));
        await b.Handler.WhenControlCount(1);
        Assert.Equal(a.Address, b.Handler.Controls.Single().From);
    }

    [Fact]
    public async Task Stranger_NeverFinishesHandshake_RefusedAfterTimeout()
    {
        await using var b = new TestNode(Settings() with { HandshakeTimeout = TimeSpan.FromMilliseconds(200) });
        using var socket = await ConnectRawAsync(b.Address);
        await b.Log.WaitFor("refused connection from", "no handshake within");
        Assert.Equal(0, await ReadToEndAsync(socket));
    }

    [Fact]
    public async Task Tls_PinnedSelfSignedCertificate_AssociatesAndDelivers()
    {
        using var certificate = SelfSignedCertificate();
        var tls = new RemoteTlsSettings { Certificate = certificate, PinnedThumbprintSha256 = certificate.GetCertHashString(HashAlgorithmName.SHA256) };
        await using var a = new TestNode(Settings() with { Tls = tls });
        await using var b = new TestNode(Settings() with { Tls = tls });
        var endpoint = a.Transport.GetOrConnect(b.Address.Address);
        endpoint.SendControl(Envelope(7));
        await b.Handler.WhenControlCount(1);
        Assert.Equal(7UL, b.Handler.Controls.Single().Envelope.Seq);
    }

    [Fact]
    public async Task Tls_PeerCertificateNotPinned_Refused()
    {
        using var certA = SelfSignedCertificate();
        using var certB = SelfSignedCertificate();
        var pinB = certB.GetCertHashString(HashAlgorithmName.SHA256);
        // Both trust only B's certificate: B refuses A's, so nothing gets through.
        await using var a = new TestNode(Settings() with { Tls = new RemoteTlsSettings { Certificate = certA, PinnedThumbprintSha256 = pinB } });
        await using var b = new TestNode(Settings() with { Tls = new RemoteTlsSettings { Certificate = certB, PinnedThumbprintSha256 = pinB } });
        a.Transport.GetOrConnect(b.Address.Address).SendControl(Envelope(1));
        await b.Log.WaitFor("is not the pinned one");
        await a.Log.WaitFor($"association with {b.Address.Address} failed");
        Assert.Equal(0, b.Handler.FramesDelivered);
    }

    [Fact]
    public async Task Control_ManyEnvelopes_DeliveredInOrder()
    {
        await using var a = new TestNode(Settings());
        await using var b = new TestNode(Settings());
        var endpoint = a.Transport.GetOrConnect(b.Address.Address);
        const int count = 2000;
        for (var i = 1; i <= count; i++) Assert.True(endpoint.SendControl(Envelope((ulong)i)));
        await b.Handler.WhenControlCount(count);
        Assert.Equal(Enumerable.Range(1, count).Select(i => (ulong)i), b.Handler.Controls.Select(c => c.Envelope.Seq));
    }

    [Fact]
    public async Task Bulk_32MiBFloat32_ArrivesIntactWhileControlAndHeartbeatsKeepFlowing()
    {
        await using var a = new TestNode(Settings());
        await using var b = new TestNode(Settings());
        var floats = new float[8 * 1024 * 1024];
        var random = new Random(5);
        for (var i = 0; i < floats.Length; i += 1021) floats[i] = (float)random.NextDouble();
        var bytes = MemoryMarshal.AsBytes(floats.AsSpan()).ToArray();

        // B holds the transfer at its header until the control round trip is done, so "during" is a fact, not a race.
        using var gate = new SemaphoreSlim(0);
        var headerSeen = new TaskCompletionSource<BulkHeader>(TaskCreationOptions.RunContinuationsAsynchronously);
        b.Handler.BufferProvider = (_, header) =>
        {
            headerSeen.TrySetResult(header);
            return gate.Wait(WaitLimit) ? null : throw new System.TimeoutException("test gate never opened");
        };
        var received = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        b.Handler.OnBulkPayload = (_, payload) =>
        {
            using (payload) received.TrySetResult(payload.Data.Span.SequenceEqual(bytes) && payload.Header.Checksum == BulkChecksum.Compute(bytes));
        };
        // B answers every control message through its own endpoint to A.
        b.Handler.OnEnvelope = (from, envelope) => b.Transport.GetOrConnect(from.Address).SendControl(Envelope(envelope.Seq, "Reply"));

        var ab = a.Transport.GetOrConnect(b.Address.Address);
        await ab.WhenAssociated().WaitAsync(WaitLimit);
        var bulk = ab.SendBulkAsync(new BulkHeader { Dtype = TensorDType.Float32, Shape = { floats.Length }, Recipient = "/user/teacher", Manifest = "weights" }, bytes);
        var header = await headerSeen.Task.WaitAsync(WaitLimit);
        Assert.Equal((ulong)bytes.Length, header.TotalBytes);

        var heartbeat = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        a.Transport.HeartbeatResponse += (peer, _, _) => { if (peer == b.Address.Address) heartbeat.TrySetResult(); };
        ab.SendControl(Envelope(99, "Ping"));
        await a.Handler.WhenControlCount(1);
        await heartbeat.Task.WaitAsync(WaitLimit);
        Assert.Equal("Reply", a.Handler.Controls.Single().Envelope.Manifest);
        Assert.False(bulk.IsCompleted);

        gate.Release();
        await bulk.WaitAsync(WaitLimit);
        Assert.True(await received.Task.WaitAsync(WaitLimit));
        Assert.True(a.Transport.IsAvailable(b.Address.Address));
    }

    [Fact]
    public async Task Bulk_SeveralTransfersIncludingEmptyAndOddSizes_AllArriveIntoProvidedBuffers()
    {
        await using var a = new TestNode(Settings());
        await using var b = new TestNode(Settings());
        var sizes = new[] { 0, 1, 128 * 1024, 128 * 1024 + 1, 700_001 };
        var buffers = new List<byte[]>();
        b.Handler.BufferProvider = (_, header) =>
        {
            var buffer = new byte[header.TotalBytes];
            lock (buffers) buffers.Add(buffer);
            return buffer;
        };
        var endpoint = a.Transport.GetOrConnect(b.Address.Address);
        var random = new Random(8);
        var sent = new List<byte[]>();
        foreach (var size in sizes)
        {
            var data = new byte[size];
            random.NextBytes(data);
            sent.Add(data);
            await endpoint.SendBulkAsync(new BulkHeader { Dtype = TensorDType.Bytes, Shape = { size } }, data).WaitAsync(WaitLimit);
        }
        Assert.Equal(sizes.Length, b.Handler.FramesDelivered);
        Assert.Equal(sent.Select(Convert.ToHexString), buffers.Select(Convert.ToHexString));
    }

    [Fact]
    public async Task Bulk_TransfersQueuedBehindABlockedOne_GoOutInCallOrderAndACancelledOneIsSkipped()
    {
        await using var a = new TestNode(Settings());
        await using var b = new TestNode(Settings());
        var release = new ManualResetEventSlim();
        var order = new List<int>();
        var buffers = new List<byte[]>();
        b.Handler.BufferProvider = (_, header) =>
        {
            // The first transfer stalls the receiver, so everything after it is still queued at the sender.
            if (header.Manifest == "0") release.Wait(WaitLimit);
            var buffer = new byte[header.TotalBytes];
            lock (buffers)
            {
                order.Add(int.Parse(header.Manifest, System.Globalization.CultureInfo.InvariantCulture));
                buffers.Add(buffer);
            }
            return buffer;
        };
        var endpoint = a.Transport.GetOrConnect(b.Address.Address);
        var random = new Random(11);
        var sizes = new[] { 32 << 20, 5, 1 << 20, 0, 3 << 20 };
        var payloads = sizes.Select(size =>
        {
            var data = new byte[size];
            random.NextBytes(data);
            return data;
        }).ToArray();
        using var cancel = new CancellationTokenSource();
        // Not awaited in between: the call itself fixes the order, as a ring allreduce fires its segments.
        var sends = payloads.Select((data, i) =>
            endpoint.SendBulkAsync(new BulkHeader { Dtype = TensorDType.Bytes, Shape = { data.Length }, Manifest = $"{i}" }, data, i == 2 ? cancel.Token : default)).ToArray();
        cancel.Cancel();
        release.Set();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sends[2]).WaitAsync(WaitLimit);
        foreach (var i in new[] { 0, 1, 3, 4 }) await sends[i].WaitAsync(WaitLimit);
        Assert.Equal([0, 1, 3, 4], order);
        for (var k = 0; k < order.Count; k++) Assert.True(payloads[order[k]].AsSpan().SequenceEqual(buffers[k]), $"transfer {order[k]} arrived altered");
        Assert.Equal(4, b.Handler.FramesDelivered);
    }

    [Fact]
    public async Task Bulk_ChecksumMismatch_ReportedToSenderAndHandlerSeesNothing()
    {
        await using var b = new TestNode(Settings());
        await using var connection = await ConnectAuthenticatedAsync(b, ChannelKind.Bulk);
        var data = new byte[1000];
        data[500] = 1;
        const int prefixed = FrameCodec.HeaderSize + FrameCodec.BulkChunkPrefixSize;
        await connection.SendMessageAsync(FrameType.BulkHeader, 0, new BulkHeader { TransferId = 1, TotalBytes = 1000, ChunkSize = 4096, Checksummed = true }, CancellationToken.None);
        await connection.SendAsync(w =>
        {
            // The running checksum of an all-zero chunk, as if byte 500 flipped in transit.
            FrameCodec.WriteBulkChunkPrefix(w.GetSpan(prefixed), 1, 0, BulkChecksum.Compute(new byte[1000]), data.Length);
            w.Advance(prefixed);
            w.Write(data);
        }, CancellationToken.None);
        var status = await connection.ReadOneAsync(frame =>
        {
            FrameCodec.ReadBulkAck(frame.Payload, out _, out _, out var s);
            return s;
        }, CancellationToken.None).AsTask().WaitAsync(WaitLimit);
        Assert.Equal(BulkAckStatus.ChecksumMismatch, status);
        await b.Log.WaitFor("failed its checksum");
        Assert.Equal(0, b.Handler.FramesDelivered);
    }

    [Fact]
    public async Task Frame_Oversize_ClosesThatConnectionWithReasonAndNodeKeepsAccepting()
    {
        var settings = Settings();
        await using var b = new TestNode(settings);
        var connection = await ConnectAuthenticatedAsync(b, ChannelKind.Control);
        await using (connection)
        {
            await connection.SendAsync(w =>
            {
                FrameCodec.WriteHeader(w.GetSpan(FrameCodec.HeaderSize), FrameType.Control, 0, settings.MaxFrameSize + 1);
                w.Advance(FrameCodec.HeaderSize);
            }, CancellationToken.None);
            var reason = await ReadCloseReasonAsync(connection);
            Assert.Contains("oversize frame", reason);
        }
        var gone = (Disassociated)await b.WaitForEvent(e => e is Disassociated { Inbound: true });
        Assert.Contains($"exceeds maximum-frame-size {settings.MaxFrameSize}", gone.Reason);
        await b.Log.WaitFor("disassociated from", "oversize frame");

        await using var a = new TestNode(Settings());
        a.Transport.GetOrConnect(b.Address.Address).SendControl(Envelope(1));
        await b.Handler.WhenControlCount(1);
    }

    [Fact]
    public async Task Frame_TruncatedThenPeerCloses_DisassociatesWithReason()
    {
        await using var b = new TestNode(Settings());
        var connection = await ConnectAuthenticatedAsync(b, ChannelKind.Control);
        await using (connection)
        {
            await connection.SendAsync(w =>
            {
                FrameCodec.WriteHeader(w.GetSpan(FrameCodec.HeaderSize), FrameType.Control, 0, 100);
                w.Advance(FrameCodec.HeaderSize);
                w.Write(new byte[10]);
            }, CancellationToken.None);
        }
        var gone = (Disassociated)await b.WaitForEvent(e => e is Disassociated { Inbound: true });
        Assert.Contains("peer closed mid-frame", gone.Reason);
        Assert.Equal(0, b.Handler.FramesDelivered);
    }

    [Fact]
    public async Task Frame_GarbledProtobuf_ClosesConnectionWithReason()
    {
        await using var b = new TestNode(Settings());
        await using var connection = await ConnectAuthenticatedAsync(b, ChannelKind.Control);
        await connection.SendAsync(w => FrameCodec.WriteRaw(w, FrameType.Control, 0, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF]), CancellationToken.None);
        Assert.Contains("garbled Control frame", await ReadCloseReasonAsync(connection));
        Assert.Equal(0, b.Handler.FramesDelivered);
    }

    [Fact]
    public async Task Reconnect_PeerRestartsWithNewUid_OldIncarnationQuarantinedAndMessagesFlowAgain()
    {
        await using var a = new TestNode(Settings());
        var first = new TestNode(Settings(), uid: 111);
        var port = first.Address.Address.Port;
        var endpoint = a.Transport.GetOrConnect(first.Address.Address);
        await endpoint.WhenAssociated().WaitAsync(WaitLimit);
        await first.DisposeAsync();
        await a.WaitForEvent(e => e is Disassociated { Inbound: false, Channel: ChannelKind.Control });

        await using var second = new TestNode(Settings() with { Port = port }, uid: 222);
        var quarantined = (Quarantined)await a.WaitForEvent(e => e is Quarantined);
        Assert.Equal((first.Address.Address, 111UL), (quarantined.Peer, quarantined.Uid));
        endpoint.SendControl(Envelope(5));
        await second.Handler.WhenControlCount(1);
        Assert.Equal(222UL, endpoint.Peer!.Uid);
    }

    [Fact]
    public void Settings_ShortSecret_RejectedNamingTheKeyAndEnvVariable()
    {
        var error = Assert.Throws<ArgumentException>(() => new RemoteTransport(Settings("short")));
        Assert.Contains("'secret'", error.Message);
        Assert.Contains(RemoteSettings.SecretEnvironmentVariable, error.Message);
        Assert.DoesNotContain("short", Settings("short").ToString());
    }

    private static async Task<int> ReadToEndAsync(Socket socket)
    {
        var buffer = new byte[4096];
        using var cts = new CancellationTokenSource(WaitLimit);
        int read;
        while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token)) > 0)
        {
            // Drain whatever the node sent before closing.
        }
        return read;
    }

    private static X509Certificate2 SelfSignedCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=actorcodistill-test", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        using var ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
    }
}
