using System.Buffers;
using ActorCodistill.Cluster.Remote.Framing;
using ActorCodistill.Cluster.Remote.Protocol;
using Google.Protobuf;

namespace ActorCodistill.Cluster.Tests.Remote.Framing;

[Trait("Category", "Unit")]
public class FrameCodecTests
{
    private const int MaxFrame = 64 * 1024;

    private static byte[] Encode(FrameType type, ushort flags, IMessage message)
    {
        var writer = new ArrayBufferWriter<byte>();
        FrameCodec.WriteMessage(writer, type, flags, message);
        return writer.WrittenSpan.ToArray();
    }

    private static byte[] ValidControlFrame() =>
        Encode(FrameType.Control, 0, new Envelope { Recipient = "/user/a", Sender = "/user/b", Manifest = "m", Payload = ByteString.CopyFrom(1, 2, 3), Seq = 9 });

    [Fact]
    public void Decode_ValidFrame_ReturnsPayloadAndHeaderLayoutIsAsDocumented()
    {
        var bytes = ValidControlFrame();
        Assert.Equal([0x0D, 0xAC, 1, (byte)FrameType.Control, 0, 0, 0, 0], bytes[..8]);
        Assert.Equal(bytes.Length - FrameCodec.HeaderSize, BitConverter.ToInt32(bytes, 8));

        var status = FrameCodec.TryDecode(new ReadOnlySequence<byte>(bytes), MaxFrame, out var frame, out var consumed, out var error);
        Assert.Equal(DecodeStatus.Frame, status);
        Assert.Null(error);
        Assert.Equal(FrameType.Control, frame.Type);
        Assert.Equal(bytes.Length, new ReadOnlySequence<byte>(bytes).Slice(0, consumed).Length);
        Assert.Equal(9UL, Envelope.Parser.ParseFrom(frame.Payload).Seq);
    }

    [Fact]
    public void Decode_EveryPrefixOfValidFrame_NeedsMoreData()
    {
        var bytes = ValidControlFrame();
        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.Equal(DecodeStatus.NeedMoreData, FrameCodec.TryDecode(new ReadOnlySequence<byte>(bytes, 0, length), MaxFrame, out _, out _, out _));
        }
    }

    [Theory]
    [InlineData(0, 0x00, "bad magic")]
    [InlineData(2, 0x02, "unsupported protocol version 2")]
    [InlineData(3, 0x63, "unknown frame type 99")]
    [InlineData(6, 0x01, "reserved header bits")]
    [InlineData(4, 0x01, "flags")]
    public void Decode_CorruptHeaderField_ProtocolErrorNamingTheField(int offset, byte value, string expected)
    {
        var bytes = ValidControlFrame();
        bytes[offset] = value;
        var status = FrameCodec.TryDecode(new ReadOnlySequence<byte>(bytes), MaxFrame, out _, out _, out var error);
        Assert.Equal(DecodeStatus.ProtocolError, status);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void Decode_LengthOverMaximum_ProtocolErrorBeforePayloadArrives()
    {
        var header = new byte[FrameCodec.HeaderSize];
        FrameCodec.WriteHeader(header, FrameType.Control, 0, MaxFrame + 1);
        var status = FrameCodec.TryDecode(new ReadOnlySequence<byte>(header), MaxFrame, out _, out _, out var error);
        Assert.Equal(DecodeStatus.ProtocolError, status);
        Assert.Contains("oversize frame", error);
        Assert.Contains((MaxFrame + 1).ToString(), error);
    }

    [Fact]
    public void Decode_BulkAckWithWrongSize_ProtocolError()
    {
        var header = new byte[FrameCodec.HeaderSize + 5];
        FrameCodec.WriteHeader(header, FrameType.BulkAck, 0, 5);
        Assert.Equal(DecodeStatus.ProtocolError, FrameCodec.TryDecode(new ReadOnlySequence<byte>(header), MaxFrame, out _, out _, out _));
    }

    [Fact]
    public void BulkAck_RoundTrip_PreservesFields()
    {
        var writer = new ArrayBufferWriter<byte>();
        FrameCodec.WriteBulkAck(writer, 0x0102030405060708, 77, BulkAckStatus.ChecksumMismatch);
        Assert.Equal(DecodeStatus.Frame, FrameCodec.TryDecode(new ReadOnlySequence<byte>(writer.WrittenMemory), MaxFrame, out var frame, out _, out _));
        FrameCodec.ReadBulkAck(frame.Payload, out var id, out var received, out var status);
        Assert.Equal((0x0102030405060708UL, 77U, BulkAckStatus.ChecksumMismatch), (id, received, status));
    }

    /// <summary>
    /// Random bytes and random mutations of valid frames (fixed seeds): the decoder returns one of its three results,
    /// never throws, never reports a frame longer than the maximum, and allocates nothing.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Decode_FuzzedInput_NeverThrowsNorExceedsMaximumNorAllocates(int seed)
    {
        var random = new Random(seed);
        var valid = new[]
        {
            ValidControlFrame(),
            Encode(FrameType.Heartbeat, 0, new Heartbeat { SequenceNr = 5 }),
            Encode(FrameType.BulkHeader, 0, new BulkHeader { TransferId = 1, TotalBytes = 10, Shape = { 2, 5 } }),
        };
        var inputs = new List<byte[]>();
        for (var i = 0; i < 3000; i++)
        {
            byte[] input;
            if (i % 2 == 0)
            {
                input = new byte[random.Next(0, 200)];
                random.NextBytes(input);
                // Half of the random inputs get a valid magic + version so the fuzzing reaches the later checks.
                if (input.Length >= 3 && i % 4 == 0) { input[0] = 0x0D; input[1] = 0xAC; input[2] = 1; }
            }
            else
            {
                input = (byte[])valid[random.Next(valid.Length)].Clone();
                for (var m = random.Next(1, 4); m > 0; m--) input[random.Next(input.Length)] = (byte)random.Next(256);
                if (random.Next(3) == 0) input = input[..random.Next(input.Length)];
            }
            inputs.Add(input);
        }

        var seen = new int[3];
        var before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var input in inputs)
        {
            var status = FrameCodec.TryDecode(new ReadOnlySequence<byte>(input), MaxFrame, out var frame, out _, out _);
            seen[(int)status]++;
            if (status == DecodeStatus.Frame && frame.Payload.Length > MaxFrame) Assert.Fail("frame over the maximum");
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        // Error strings are the only allocations: bounded per input, nowhere near a frame's size.
        Assert.True(allocated < inputs.Count * 1024L, $"decoder allocated {allocated} bytes for {inputs.Count} inputs");
        Assert.All(seen, count => Assert.True(count > 0, $"fuzz did not reach every outcome: {string.Join(",", seen)}"));
    }

    [Fact]
    public void Decode_ValidFrameNoAllocation()
    {
        var input = new ReadOnlySequence<byte>(ValidControlFrame());
        FrameCodec.TryDecode(input, MaxFrame, out _, out _, out _);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++) FrameCodec.TryDecode(input, MaxFrame, out _, out _, out _);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
