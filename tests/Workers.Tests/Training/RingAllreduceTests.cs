using ActorCodistill.Workers.Training;

namespace ActorCodistill.Workers.Tests.Training;

[Trait("Category", "Unit")]
public class RingAllreduceTests
{
    /// <summary>Averages the buffers in place through a ring, as the group's members do.</summary>
    internal static void Run(float[][] buffers) => RunRing(buffers, seed: 0, average: true);

    /// <summary>Runs M state machines with FIFO links delivered in a seeded random interleaving.</summary>
    private static float[][] RunRing(float[][] buffers, int seed, bool average)
    {
        var m = buffers.Length;
        var rings = Enumerable.Range(0, m).Select(r => new RingAllreduce(r, m, buffers[r], average)).ToArray();
        var links = Enumerable.Range(0, m).Select(_ => new Queue<RingChunk>()).ToArray(); // links[r]: into r
        for (var r = 0; r < m; r++)
            if (rings[r].Start() is { } first) links[(r + 1) % m].Enqueue(first);
        var random = new Random(seed);
        while (links.Any(l => l.Count > 0))
        {
            var ready = Enumerable.Range(0, m).Where(r => links[r].Count > 0).ToArray();
            var r = ready[random.Next(ready.Length)];
            if (rings[r].OnReceive(links[r].Dequeue()) is { } next) links[(r + 1) % m].Enqueue(next);
        }
        Assert.All(rings, ring => Assert.True(ring.IsComplete));
        return buffers;
    }

    [Theory]
    [InlineData(1)] [InlineData(2)] [InlineData(3)] [InlineData(4)]
    [InlineData(5)] [InlineData(6)] [InlineData(7)] [InlineData(8)]
    public void Allreduce_RandomBuffers_EqualsPlainAverageOnEveryMember(int members)
    {
        foreach (var length in new[] { 0, 1, 3, 7, 64, 1000, 1001 })
        {
            var random = new Random(members * 7919 + length);
            var buffers = Enumerable.Range(0, members)
                .Select(_ => Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray()).ToArray();
            var expected = new double[length];
            foreach (var b in buffers) for (var i = 0; i < length; i++) expected[i] += b[i];
            for (var i = 0; i < length; i++) expected[i] /= members;

            RunRing(buffers, seed: length, average: true);

            foreach (var b in buffers)
                for (var i = 0; i < length; i++)
                    Assert.True(Math.Abs(b[i] - expected[i]) < 1e-5, $"M={members} L={length} i={i}: {b[i]} vs {expected[i]}");
        }
    }

    [Fact]
    public void Allreduce_WithoutAveraging_IsExactSumOfIntegers()
    {
        var buffers = Enumerable.Range(0, 5).Select(r => Enumerable.Range(0, 13).Select(i => (float)(r * 100 + i)).ToArray()).ToArray();
        RunRing(buffers, seed: 1, average: false);
        for (var i = 0; i < 13; i++) Assert.All(buffers, b => Assert.Equal(1000 + 5 * i, b[i]));
    }

    [Fact]
    public void Allreduce_EachMemberSendsTwiceMMinusOneOverMOfTheBuffer()
    {
        const int m = 4, length = 4000;
        var buffers = Enumerable.Range(0, m).Select(_ => new float[length]).ToArray();
        var rings = Enumerable.Range(0, m).Select(r => new RingAllreduce(r, m, buffers[r])).ToArray();
        var links = Enumerable.Range(0, m).Select(_ => new Queue<RingChunk>()).ToArray();
        for (var r = 0; r < m; r++) links[(r + 1) % m].Enqueue(rings[r].Start()!);
        while (links.Any(l => l.Count > 0))
            for (var r = 0; r < m; r++)
                if (links[r].Count > 0 && rings[r].OnReceive(links[r].Dequeue()) is { } next) links[(r + 1) % m].Enqueue(next);
        Assert.All(rings, ring => Assert.Equal(2L * (m - 1) * length / m, ring.FloatsSent));
    }

    [Fact]
    public void OnReceive_OutOfOrderPhase_ThrowsNamingRank()
    {
        var ring = new RingAllreduce(1, 3, new float[9]);
        ring.Start();
        var error = Assert.Throws<InvalidOperationException>(() => ring.OnReceive(new RingChunk(1, 0, new float[3])));
        Assert.Contains("rank 1", error.Message);
    }

    [Fact]
    public void OnReceive_WrongChunkLength_Throws()
    {
        var ring = new RingAllreduce(0, 2, new float[10]);
        ring.Start();
        Assert.Throws<InvalidOperationException>(() => ring.OnReceive(new RingChunk(0, 1, new float[4])));
    }
}
