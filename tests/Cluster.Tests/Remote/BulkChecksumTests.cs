using ActorCodistill.Cluster.Remote;

namespace ActorCodistill.Cluster.Tests.Remote;

[Trait("Category", "Unit")]
public class BulkChecksumTests
{
    [Fact]
    public void Compute_AnySingleByteFlip_ChangesChecksum()
    {
        var data = new byte[1000];
        new Random(3).NextBytes(data);
        var reference = BulkChecksum.Compute(data);
        Assert.Equal(reference, BulkChecksum.Compute(data.ToArray()));
        for (var i = 0; i < data.Length; i++)
        {
            data[i] ^= 0x10;
            Assert.NotEqual(reference, BulkChecksum.Compute(data));
            data[i] ^= 0x10;
        }
    }

    [Fact]
    public void Compute_SwappedBlocksOrTruncation_ChangesChecksum()
    {
        var data = new byte[4096];
        new Random(4).NextBytes(data);
        var reference = BulkChecksum.Compute(data);
        var swapped = data.ToArray();
        data.AsSpan(0, 32).CopyTo(swapped.AsSpan(32));
        data.AsSpan(32, 32).CopyTo(swapped.AsSpan(0));
        Assert.NotEqual(reference, BulkChecksum.Compute(swapped));
        Assert.NotEqual(reference, BulkChecksum.Compute(data.AsSpan(0, 4095)));
        Assert.NotEqual(BulkChecksum.Compute(new byte[64]), BulkChecksum.Compute(new byte[96]));
    }

    [Theory]
    [InlineData(4096, 100_000)]
    [InlineData(32, 1000)]
    [InlineData(4096, 8192)]
    public void Accumulator_ChunkedAppends_EqualWholeCompute(int chunk, int length)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);
        var accumulator = new BulkChecksum.Accumulator();
        for (var offset = 0; offset < length; offset += chunk) accumulator.Append(data.AsSpan(offset, Math.Min(chunk, length - offset)));
        Assert.Equal(BulkChecksum.Compute(data), accumulator.Value);
    }

    [Fact]
    public void Accumulator_AppendAfterShortBlock_Throws()
    {
        var accumulator = new BulkChecksum.Accumulator();
        accumulator.Append(new byte[33]);
        Assert.Throws<InvalidOperationException>(() => accumulator.Append(new byte[32]));
    }
}
