using ActorCodistill.Workers.Training;

namespace ActorCodistill.Workers.Tests.Training;

[Trait("Category", "Unit")]
public class StatePayloadTests
{
    // 1.0f = 0x3F800000 and -2.0f = 0xC0000000, little-endian, then the optimizer bytes as they are.
    private static readonly byte[] Laid = [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0, 7, 8, 9];

    [Fact]
    public void Pack_OfKnownValues_IsTheWeightsLittleEndianThenTheOptimizerBytes()
    {
        Assert.Equal(Laid, StatePayload.Pack([1.0f, -2.0f], [7, 8, 9]));
        Assert.Equal(11, StatePayload.Length(2, 3));
    }

    [Fact]
    public void Write_IntoASliceOfALargerBuffer_FillsExactlyTheSlice()
    {
        var buffer = Enumerable.Repeat((byte)0xAA, 15).ToArray();

        StatePayload.Write(buffer.AsSpan(2, 11), [1.0f, -2.0f], [7, 8, 9]);

        Assert.Equal([0xAA, 0xAA, .. Laid, 0xAA, 0xAA], buffer);
    }

    [Fact]
    public void Write_IntoADestinationOfAnotherLength_IsRefusedWithBothLengths()
    {
        var e = Assert.Throws<ArgumentException>(() => StatePayload.Write(new byte[12], [1.0f, -2.0f], [7, 8, 9]));
        Assert.Contains("11 bytes", e.Message);
        Assert.Contains("has 12", e.Message);
    }

    [Fact]
    public void Length_OfAStateOverOneArray_IsRefusedWithItsSize()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => StatePayload.Length(int.MaxValue / 4, 100));
        Assert.Contains($"{(long)(int.MaxValue / 4) * 4 + 100} bytes", e.Message);
    }

    [Fact]
    public void Unpack_OfHandLaidBytes_GivesTheWeightsAndOptimizerState_AndAShortPayloadIsAFormatError()
    {
        var (parameters, optimizer) = StatePayload.Unpack(Laid, 2, 3, "test");
        Assert.Equal([1.0f, -2.0f], parameters);
        Assert.Equal(new byte[] { 7, 8, 9 }, optimizer);

        var e = Assert.Throws<FormatException>(() => StatePayload.Unpack(Laid, 2, 4, "worker-state from node-a"));
        Assert.StartsWith("worker-state from node-a: payload of 11 bytes", e.Message);
    }

    [Fact]
    public void PackThenUnpack_OfRandomStates_GivesThemBackBitForBit()
    {
        var random = new Random(42);
        foreach (var (count, bytes) in new[] { (0, 0), (1, 0), (0, 5), (1000, 37), (4096, 8192) })
        {
            var parameters = Enumerable.Range(0, count).Select(_ => BitConverter.Int32BitsToSingle(random.Next())).ToArray();
            var optimizer = new byte[bytes];
            random.NextBytes(optimizer);

            var (p, o) = StatePayload.Unpack(StatePayload.Pack(parameters, optimizer), count, bytes, "test");

            Assert.Equal(parameters.Select(BitConverter.SingleToInt32Bits), p.Select(BitConverter.SingleToInt32Bits));
            Assert.Equal(optimizer, o);
        }
    }
}
