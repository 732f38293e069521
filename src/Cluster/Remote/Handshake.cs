using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using ActorCodistill.Cluster.Remote.Framing;
using ActorCodistill.Cluster.Remote.Protocol;
using Google.Protobuf;

namespace ActorCodistill.Cluster.Remote;

/// <summary>A peer was refused during the handshake; <see cref="Exception.Message"/> is the logged reason.</summary>
public sealed class HandshakeRefusedException(string message) : Exception(message);

internal sealed record HandshakeResult(UniqueRemoteAddress Peer, ChannelKind Channel);

/// <summary>
/// Mutual challenge-response over the cluster secret. Each side sends a fresh 32-byte nonce; the other answers
/// HMAC-SHA256(secret, nonce | initiator | acceptor | direction) so a proof cannot be replayed on another
/// connection, reflected back, or moved to another node pair. Nothing reaches the inbound handler before step 4.
/// </summary>
internal static class Handshake
{
    public const int NonceSize = 32;

    /// <summary>
    /// The largest frame accepted before the peer has proved the secret: handshake messages are a few hundred bytes
    /// (addresses, nonces, proofs) and a refusal's close reason is short; a connection announcing more is dropped.
    /// </summary>
    public const int MaxFrameSize = 8 * 1024;
    private const string AcceptorTag = "acceptor-proves";
    private const string InitiatorTag = "initiator-proves";

    public static byte[] Proof(byte[] secret, ReadOnlySpan<byte> nonce, UniqueRemoteAddress initiator, UniqueRemoteAddress acceptor, ChannelKind channel, string tag)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, secret);
        hmac.AppendData(nonce);
        AppendField(hmac, initiator.ToString());
        AppendField(hmac, acceptor.ToString());
        AppendField(hmac, $"{channel}/{tag}");
        return hmac.GetHashAndReset();
    }

    // Length-prefixed so that ("ab","c") and ("a","bc") hash differently.
    private static void AppendField(IncrementalHash hmac, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);
        hmac.AppendData(length);
        hmac.AppendData(bytes);
    }

    public static async Task<HandshakeResult> AcceptAsync(FrameConnection connection, RemoteSettings settings, byte[] secret,
        UniqueRemoteAddress self, Func<UniqueRemoteAddress, string?> refuseReason, CancellationToken cancellationToken)
    {
        var hello = await ReadStepAsync(connection, HandshakeStep.Hello, HandshakeHello.Parser, cancellationToken).ConfigureAwait(false);
        if (hello.ProtocolVersion != FrameCodec.ProtocolVersion)
            await RefuseAsync(connection, $"protocol version {hello.ProtocolVersion} not supported (this node speaks {FrameCodec.ProtocolVersion})").ConfigureAwait(false);
        if (hello.From is null || hello.Nonce.Length != NonceSize || hello.Channel == ChannelKind.Unspecified)
            await RefuseAsync(connection, "malformed hello").ConfigureAwait(false);
        var peer = UniqueRemoteAddress.FromProto(hello.From!);
        connection.Description = peer.ToString();
        if (peer.Address.System != settings.SystemName)
            await RefuseAsync(connection, $"system name '{peer.Address.System}' does not match '{settings.SystemName}'").ConfigureAwait(false);
        if (refuseReason(peer) is { } reason)
            await RefuseAsync(connection, reason).ConfigureAwait(false);

        var nonce = RandomNumberGenerator.GetBytes(NonceSize);
        await connection.SendMessageAsync(FrameType.Handshake, (ushort)HandshakeStep.Challenge, new HandshakeChallenge
        {
            ProtocolVersion = FrameCodec.ProtocolVersion,
            From = self.ToProto(),
            Nonce = ByteString.CopyFrom(nonce),
            Proof = ByteString.CopyFrom(Proof(secret, hello.Nonce.Span, peer, self, hello.Channel, AcceptorTag)),
        }, cancellationToken).ConfigureAwait(false);

        var proof = await ReadStepAsync(connection, HandshakeStep.Proof, HandshakeProof.Parser, cancellationToken).ConfigureAwait(false);
        var expected = Proof(secret, nonce, peer, self, hello.Channel, InitiatorTag);
        if (!CryptographicOperations.FixedTimeEquals(expected, proof.Proof.Span))
            await RefuseAsync(connection, "peer did not prove it holds the cluster secret").ConfigureAwait(false);

        await connection.SendMessageAsync(FrameType.Handshake, (ushort)HandshakeStep.Accepted, new HandshakeAccepted { Uid = self.Uid }, cancellationToken)
            .ConfigureAwait(false);
        return new HandshakeResult(peer, hello.Channel);
    }

    public static async Task<HandshakeResult> InitiateAsync(FrameConnection connection, RemoteSettings settings, byte[] secret,
        UniqueRemoteAddress self, ChannelKind channel, CancellationToken cancellationToken)
    {
        var nonce = RandomNumberGenerator.GetBytes(NonceSize);
        await connection.SendMessageAsync(FrameType.Handshake, (ushort)HandshakeStep.Hello, new HandshakeHello
        {
            ProtocolVersion = FrameCodec.ProtocolVersion,
            From = self.ToProto(),
            Nonce = ByteString.CopyFrom(nonce),
            Channel = channel,
        }, cancellationToken).ConfigureAwait(false);

        var challenge = await ReadStepAsync(connection, HandshakeStep.Challenge, HandshakeChallenge.Parser, cancellationToken).ConfigureAwait(false);
        if (challenge.ProtocolVersion != FrameCodec.ProtocolVersion)
            await RefuseAsync(connection, $"protocol version {challenge.ProtocolVersion} not supported (this node speaks {FrameCodec.ProtocolVersion})").ConfigureAwait(false);
        if (challenge.From is null || challenge.Nonce.Length != NonceSize)
            await RefuseAsync(connection, "malformed challenge").ConfigureAwait(false);
        var peer = UniqueRemoteAddress.FromProto(challenge.From!);
        connection.Description = peer.ToString();
        if (peer.Address.System != settings.SystemName)
            await RefuseAsync(connection, $"system name '{peer.Address.System}' does not match '{settings.SystemName}'").ConfigureAwait(false);
        var expected = Proof(secret, nonce, self, peer, channel, AcceptorTag);
        if (!CryptographicOperations.FixedTimeEquals(expected, challenge.Proof.Span))
            await RefuseAsync(connection, "peer did not prove it holds the cluster secret").ConfigureAwait(false);

        await connection.SendMessageAsync(FrameType.Handshake, (ushort)HandshakeStep.Proof, new HandshakeProof
        {
            Proof = ByteString.CopyFrom(Proof(secret, challenge.Nonce.Span, self, peer, channel, InitiatorTag)),
        }, cancellationToken).ConfigureAwait(false);
        var accepted = await ReadStepAsync(connection, HandshakeStep.Accepted, HandshakeAccepted.Parser, cancellationToken).ConfigureAwait(false);
        if (accepted.Uid != peer.Uid)
            await RefuseAsync(connection, $"peer uid changed during the handshake ({peer.Uid} -> {accepted.Uid})").ConfigureAwait(false);
        return new HandshakeResult(peer, channel);
    }

    private static async Task<T> ReadStepAsync<T>(FrameConnection connection, HandshakeStep step, MessageParser<T> parser, CancellationToken cancellationToken)
        where T : IMessage<T>
    {
        (T? Message, string? Refusal) read;
        try
        {
            read = await connection.ReadOneAsync<(T? Message, string? Refusal)>(frame =>
            {
                if (frame.Type == FrameType.Close) return (default, $"peer refused: {Protocol.Close.Parser.ParseFrom(frame.Payload).Reason}");
                if (frame.Type != FrameType.Handshake || frame.Flags != (ushort)step)
                    return (default, $"expected handshake {step}, got {frame.Type} frame (flags {frame.Flags})");
                return (parser.ParseFrom(frame.Payload), null);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (RemoteProtocolException e)
        {
            throw new HandshakeRefusedException(e.Message);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new HandshakeRefusedException($"garbled handshake {step}: {e.Message}");
        }
        if (read.Refusal is not null) throw new HandshakeRefusedException(read.Refusal);
        return read.Message!;
    }

    private static async Task RefuseAsync(FrameConnection connection, string reason)
    {
        await connection.SendCloseAsync(reason).ConfigureAwait(false);
        throw new HandshakeRefusedException(reason);
    }
}
