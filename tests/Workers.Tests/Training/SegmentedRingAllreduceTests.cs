using ActorCodistill.Workers.Training;

namespace ActorCodistill.Workers.Tests.Training;

[Trait("Category", "Unit")]
public class SegmentedRingAllreduceTests
{
    private static readonly int[] Lengths = [0, 1, 3, 7, 64, 1000, 1001];

    /// <summary>
    /// Runs M segmented state machines over FIFO links in a seeded random interleaving. Links hold what the sender
    /// returned, delivered late, so zero-copy views are read long after they were produced. With
    /// <paramref name="receiveInPlace"/>, all-gather segments are first written into the receiver's
    /// <see cref="RingAllreduce.GatherDestination"/>, as a socket receiving straight into the buffer would.
    /// </summary>
    private static RingAllreduce[] RunRing(float[][] buffers, int seed, bool average, int segmentFloats, bool copyOutgoing, bool receiveInPlace)
    {
        var m = buffers.Length;
        var rings = Enumerable.Range(0, m).Select(r => new RingAllreduce(r, m, buffers[r], average, segmentFloats, copyOutgoing)).ToArray();
        var links = Enumerable.Range(0, m).Select(_ => new Queue<RingChunk>()).ToArray(); // links[r]: into r
        for (var r = 0; r < m; r++)
            foreach (var first in rings[r].StartSegments()) links[(r + 1) % m].Enqueue(first);
        var random = new Random(seed);
        while (links.Any(l => l.Count > 0))
        {
            var ready = Enumerable.Range(0, m).Where(r => links[r].Count > 0).ToArray();
            var r = ready[random.Next(ready.Length)];
            var incoming = links[r].Dequeue();
            if (receiveInPlace && incoming.Phase >= m - 1)
            {
                var destination = rings[r].GatherDestination(incoming.Phase, incoming.Segment);
                incoming.Data.CopyTo(destination);
                incoming = incoming with { Data = destination };
            }
            if (rings[r].OnReceive(incoming) is { } next) links[(r + 1) % m].Enqueue(next);
        }
        Assert.All(rings, ring => Assert.True(ring.IsComplete));
        return rings;
    }

    private static float[][] RandomBuffers(int members, int length, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, members)
            .Select(_ => Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray()).ToArray();
    }

    [Theory]
    [InlineData(1)] [InlineData(2)] [InlineData(3)] [InlineData(4)]
    [InlineData(5)] [InlineData(6)] [InlineData(7)] [InlineData(8)]
    public void Segmented_RandomBuffersAnyTransportMode_EqualsPlainSumOnEveryMember(int members)
    {
        foreach (var length in Lengths)
        foreach (var segmentFloats in new[] { 1, 3, 64, 1000 })
        foreach (var (copy, inPlace) in new[] { (true, false), (false, false), (false, true) })
        {
            var buffers = RandomBuffers(members, length, members * 7919 + length * 31 + segmentFloats);
            var expected = new double[length];
            foreach (var b in buffers) for (var i = 0; i < length; i++) expected[i] += b[i];

            RunRing(buffers, seed: length + segmentFloats, average: false, segmentFloats, copy, inPlace);

            var context = $"M={members} L={length} seg={segmentFloats} copy={copy} inPlace={inPlace}";
            foreach (var b in buffers)
            {
                for (var i = 0; i < length; i++)
                    Assert.True(Math.Abs(b[i] - expected[i]) < 1e-4, $"{context} i={i}: {b[i]} vs {expected[i]}");
                // Every member ends with the very same bits: each element's sum was computed once, then copied.
                Assert.Equal(buffers[0], b);
            }
        }
    }

    [Theory]
    [InlineData(2)] [InlineData(3)] [InlineData(5)] [InlineData(8)]
    public void Segmented_Averaging_SameBitsAsWholeChunkRing(int members)
    {
        foreach (var length in Lengths)
        {
            var whole = RandomBuffers(members, length, seed: 11 * members + length);
            var segmented = whole.Select(b => b.ToArray()).ToArray();
            RingAllreduceTests.Run(whole);
            RunRing(segmented, seed: 3, average: true, segmentFloats: 5, copyOutgoing: false, receiveInPlace: true);
            for (var r = 0; r < members; r++) Assert.Equal(whole[r], segmented[r]);
        }
    }

    [Fact]
    public void Segmented_IntegersWithoutAveraging_IsExactSum()
    {
        var buffers = Enumerable.Range(0, 5).Select(r => Enumerable.Range(0, 13).Select(i => (float)(r * 100 + i)).ToArray()).ToArray();
        RunRing(buffers, seed: 1, average: false, segmentFloats: 1, copyOutgoing: false, receiveInPlace: true);
        for (var i = 0; i < 13; i++) Assert.All(buffers, b => Assert.Equal(1000 + 5 * i, b[i]));
    }

    [Theory]
    // Chunks of 5 (10 / 2): two segments of at most 3 floats.
    [InlineData(2, 10, 3, 2)]
    // Chunks of 1 and 2 (6 / 4): the 1-float chunk caps it at one segment, so none is empty.
    [InlineData(4, 6, 1, 1)]
    // Fewer floats than members: chunks may be empty, one segment each.
    [InlineData(4, 3, 1, 1)]
    // Chunks of 333 and 334 floats in segments of 100: 4 (334 needs 4).
    [InlineData(3, 1001, 100, 4)]
    [InlineData(2, 1000, int.MaxValue, 1)]
    public void SegmentCount_HandComputedCases(int size, int length, int segmentFloats, int expected) =>
        Assert.Equal(expected, RingAllreduce.SegmentCount(size, length, segmentFloats));

    [Fact]
    public void Segmented_EachMemberSendsTwiceMMinusOneOverMOfTheBuffer()
    {
        const int m = 4, length = 4000;
        var rings = RunRing(Enumerable.Range(0, m).Select(_ => new float[length]).ToArray(), seed: 2, average: true,
            segmentFloats: 300, copyOutgoing: false, receiveInPlace: false);
        Assert.All(rings, ring => Assert.Equal(4, ring.SegmentsPerChunk));
        Assert.All(rings, ring => Assert.Equal(2L * (m - 1) * length / m, ring.FloatsSent));
    }

    [Fact]
    public void StartSegments_ZeroCopy_ReturnsViewsOfTheBufferInSegmentOrder()
    {
        var buffer = Enumerable.Range(0, 10).Select(i => (float)i).ToArray();
        var ring = new RingAllreduce(1, 2, buffer, average: false, segmentFloats: 2, copyOutgoing: false);
        var first = ring.StartSegments();
        // Rank 1 sends chunk 1 = [5, 10) in phase 0; 5 floats over 3 segments split at 5*k/3 = 0, 1, 3: [5, 6), [6, 8), [8, 10).
        Assert.Equal([0, 1, 2], first.Select(c => c.Segment));
        Assert.All(first, c => Assert.Equal((0, 1), (c.Phase, c.Chunk)));
        Assert.Equal([5f], first[0].Data.ToArray());
        Assert.Equal([6f, 7f], first[1].Data.ToArray());
        Assert.Equal([8f, 9f], first[2].Data.ToArray());
        buffer[8] = 42;
        Assert.Equal(42f, first[2].Data.Span[0]);
    }

    [Fact]
    public void OnReceive_SegmentOutOfOrder_ThrowsNamingRankAndSegment()
    {
        var ring = new RingAllreduce(1, 2, new float[10], average: false, segmentFloats: 2, copyOutgoing: true);
        ring.StartSegments();
        var error = Assert.Throws<InvalidOperationException>(() => ring.OnReceive(new RingChunk(0, 0, new float[1]) { Segment = 1 }));
        Assert.Contains("rank 1", error.Message);
        Assert.Contains("expected segment 0", error.Message);
    }

    [Fact]
    public void OutOfOrder_AfterALostSegment_NamesTheGap_AndTheNextSegmentPasses_WithoutChangingTheBuffer()
    {
        // Rank 1 of 2, chunks of 4 floats in two segments of 2: it must receive chunk 0's segments 0 and 1 in phase 0.
        var buffer = Enumerable.Range(0, 8).Select(i => (float)i).ToArray();
        var ring = new RingAllreduce(1, 2, buffer, average: false, segmentFloats: 2, copyOutgoing: true);
        Assert.Equal(2, ring.SegmentsPerChunk);
        ring.StartSegments();
        Assert.Null(ring.OutOfOrder(new RingChunk(0, 0, new float[2]) { Segment = 0 }));
        // Segment 0 lost: segment 1 arrives first, or (a sender that went on) phase 1, or another chunk.
        Assert.Equal("rank 1: phase 0 expected segment 0, got 1", ring.OutOfOrder(new RingChunk(0, 0, new float[2]) { Segment = 1 }));
        Assert.Equal("rank 1: expected phase 0, got 1", ring.OutOfOrder(new RingChunk(1, 1, new float[2])));
        Assert.Equal("rank 1: phase 0 expected chunk 0, got 1", ring.OutOfOrder(new RingChunk(0, 1, new float[2])));
        Assert.Equal(Enumerable.Range(0, 8).Select(i => (float)i), buffer);
        ring.OnReceive(new RingChunk(0, 0, new float[] { 1, 1 }) { Segment = 0 });
        Assert.Null(ring.OutOfOrder(new RingChunk(0, 0, new float[2]) { Segment = 1 }));
        Assert.Equal(new float[] { 1, 2 }, buffer[..2]);
    }

    [Fact]
    public void OnReceive_ReduceScatterDataInPlace_Throws()
    {
        var buffer = new float[10];
        var ring = new RingAllreduce(1, 2, buffer, average: false, segmentFloats: 5, copyOutgoing: true);
        ring.StartSegments();
        // Phase 0 of rank 1 reduces chunk 0 = [0, 5): data aliasing that very region would add the buffer to itself.
        var error = Assert.Throws<InvalidOperationException>(() => ring.OnReceive(new RingChunk(0, 0, buffer.AsMemory(0, 5))));
        Assert.Contains("in place", error.Message);
    }

    [Fact]
    public void Start_WithSeveralSegments_ThrowsPointingToStartSegments()
    {
        var ring = new RingAllreduce(0, 2, new float[10], average: true, segmentFloats: 2, copyOutgoing: true);
        var error = Assert.Throws<InvalidOperationException>(() => ring.Start());
        Assert.Contains(nameof(RingAllreduce.StartSegments), error.Message);
    }

    [Fact]
    public void GatherDestination_ReduceScatterPhase_Throws()
    {
        var ring = new RingAllreduce(0, 3, new float[9], average: true, segmentFloats: 1, copyOutgoing: false);
        Assert.Throws<ArgumentOutOfRangeException>(() => ring.GatherDestination(1, 0));
        // Rank 0, all-gather phase 2 (its first) receives chunk 0 - 0 = 0: [0, 3), segment 1 = [1, 2).
        Assert.Equal(1, ring.GatherDestination(2, 1).Length);
    }
}
