using ActorCodistill.Workers.Data;

namespace ActorCodistill.Workers.Tests.Data.Language;

[Trait("Category", "Unit")]
public sealed class LmBatcherTests
{
    private const int Eod = 0;

    /// <summary>Document d holds tokens d*1000+1 .. d*1000+len, so every token names its document.</summary>
    private static int[][] Documents(int count, int seed, int maxLength = 60)
    {
        var rng = new SeededRandom((long)seed);
        return [.. Enumerable.Range(0, count).Select(d => Enumerable.Range(1, 1 + rng.NextInt(maxLength)).Select(i => d * 1000 + i).ToArray())];
    }

    [Fact]
    public void Next_SingleStream_HandComputedWindows()
    {
        int[][] docs = [[1, 2, 3], [4, 5]];
        var batcher = new LmBatcher(docs, Eod, batchSize: 1, window: 2, seed: 5);
        var order = batcher.EpochOrder(0);
        var stream = order.SelectMany(d => docs[d].Append(Eod)).ToArray();

        var b0 = batcher.Next();
        var b1 = batcher.Next();

        Assert.Equal(stream[0..2], b0.Inputs);
        Assert.Equal(stream[1..3], b0.Targets);
        Assert.Equal(stream[2..4], b1.Inputs);
        Assert.Equal(stream[3..5], b1.Targets);
        Assert.Equal(2, batcher.Position);
    }

    [Fact]
    public void Next_ManyBatches_StreamsContinueAcrossBatches()
    {
        const int b = 8, t = 32;
        var batcher = new LmBatcher(Documents(30, 1, 200), Eod, b, t, seed: 3);
        var prev = batcher.Next();
        for (var k = 0; k < 100; k++)
        {
            var next = batcher.Next();
            for (var row = 0; row < b; row++)
            {
                // Target of the last position of batch k is the first input of batch k+1.
                Assert.Equal(prev.Targets[row * t + t - 1], next.Inputs[row * t]);
                for (var i = 0; i + 1 < t; i++)
                {
                    Assert.Equal(prev.Targets[row * t + i], prev.Inputs[row * t + i + 1]);
                }
            }
            prev = next;
        }
        Assert.True(batcher.Epoch >= 3, $"only reached epoch {batcher.Epoch}");
    }

    [Fact]
    public void Next_EachStream_IsWholeDocumentsSeparatedByEod()
    {
        const int b = 4, t = 16;
        var docs = Documents(12, 2);
        var batcher = new LmBatcher(docs, Eod, b, t, seed: 11);
        var rows = Enumerable.Range(0, b).Select(_ => new List<int>()).ToArray();
        for (var k = 0; k < 200; k++)
        {
            var batch = batcher.Next();
            for (var row = 0; row < b; row++)
            {
                rows[row].AddRange(batch.Inputs.AsSpan(row * t, t).ToArray());
            }
        }
        var dealt = new List<int>();
        foreach (var row in rows)
        {
            // Cut each row at <eod>; every complete piece must be one whole document.
            var pieces = string.Join(",", row).Split(",0,");
            foreach (var piece in pieces[..^1])
            {
                var tokens = piece.Length == 0 ? [] : piece.Split(',').Select(int.Parse).ToArray();
                var doc = tokens.Length == 0 ? -1 : tokens[0] / 1000;
                if (doc >= 0)
                {
                    Assert.Equal(docs[doc], tokens);
                    dealt.Add(doc);
                }
            }
        }
        Assert.True(dealt.Count > 3 * docs.Length);
    }

    [Fact]
    public void Next_OneEpoch_DealsEveryDocumentOnceInSeededOrder()
    {
        var docs = Documents(20, 4);
        var batcher = new LmBatcher(docs, Eod, batchSize: 3, window: 8, seed: 9);
        var order = batcher.EpochOrder(0);
        Assert.Equal(Enumerable.Range(0, 20), order.Order());
        Assert.NotEqual(batcher.EpochOrder(0), batcher.EpochOrder(1));

        var first = Enumerable.Range(0, 3).Select(r => batcher.State.Streams[r].Document).ToArray();

        Assert.Equal(order.Take(3), first);
    }

    [Fact]
    public void Next_SameSeed_SameBatches_DifferentSeed_Different()
    {
        var docs = Documents(15, 5);
        var a = new LmBatcher(docs, Eod, 4, 32, seed: 1);
        var b = new LmBatcher(docs, Eod, 4, 32, seed: 1);
        var c = new LmBatcher(docs, Eod, 4, 32, seed: 2);

        var sa = Enumerable.Range(0, 50).SelectMany(_ => a.Next().Inputs).ToArray();
        var sb = Enumerable.Range(0, 50).SelectMany(_ => b.Next().Inputs).ToArray();
        var sc = Enumerable.Range(0, 50).SelectMany(_ => c.Next().Inputs).ToArray();

        Assert.Equal(sa, sb);
        Assert.NotEqual(sa, sc);
    }

    [Fact]
    public void Restore_SavedStateAcrossEpochs_ResumesExactly()
    {
        var docs = Documents(7, 6, 30);
        var original = new LmBatcher(docs, Eod, 5, 16, seed: 21);
        for (var k = 0; k < 37; k++)
        {
            original.Next();
        }
        var state = original.State;
        var expected = Enumerable.Range(0, 60).Select(_ => original.Next()).ToList();

        var resumed = new LmBatcher(docs, Eod, 5, 16, seed: 21);
        resumed.Restore(state);
        Assert.Equal(state, resumed.State);
        Assert.Equal(37, resumed.Position);

        foreach (var batch in expected)
        {
            var got = resumed.Next();
            Assert.Equal(batch.Inputs, got.Inputs);
            Assert.Equal(batch.Targets, got.Targets);
        }
        Assert.Equal(original.Epoch, resumed.Epoch);
        Assert.True(original.Epoch > state.Epoch, "the test should cross an epoch boundary");
    }

    [Fact]
    public void Restore_StateOfOtherShape_Throws()
    {
        var docs = Documents(5, 7);
        var state = new LmBatcher(docs, Eod, 4, 8).State;

        Assert.Throws<ArgumentException>(() => new LmBatcher(docs, Eod, 3, 8).Restore(state));
        Assert.Throws<ArgumentException>(() => new LmBatcher(docs[..2], Eod, 4, 8).Restore(state with { Streams = [.. state.Streams.Select(_ => new LmStreamCursor(4, 0))] }));
    }

    [Fact]
    public void Next_MoreStreamsThanDocuments_StillContinuous()
    {
        int[][] docs = [[1, 2], [3]];
        var batcher = new LmBatcher(docs, Eod, batchSize: 5, window: 4, seed: 0);
        var prev = batcher.Next();
        var next = batcher.Next();

        for (var row = 0; row < 5; row++)
        {
            Assert.Equal(prev.Targets[row * 4 + 3], next.Inputs[row * 4]);
        }
        Assert.Contains(Eod, prev.Inputs);
    }

    [Fact]
    public void ValidationBatches_SmallStream_HandComputed()
    {
        // Stream 1 2 3 <eod> 4 5 6 7 <eod>: two rows of 4 tokens (+1 for the targets), two windows of 2.
        int[][] docs = [[1, 2, 3], [4, 5, 6, 7]];

        var batches = LmBatcher.ValidationBatches(docs, Eod, batchSize: 2, window: 2).ToList();

        Assert.Equal(2, LmBatcher.ValidationBatchCount(docs, 2, 2));
        Assert.Equal(2, batches.Count);
        Assert.Equal([1, 2, 4, 5], batches[0].Inputs);
        Assert.Equal([2, 3, 5, 6], batches[0].Targets);
        Assert.Equal([3, 0, 6, 7], batches[1].Inputs);
        Assert.Equal([0, 4, 7, 0], batches[1].Targets);
    }

    [Fact]
    public void ValidationBatches_EnumeratedTwice_SameFiniteSequence()
    {
        var docs = Documents(10, 8, 300);
        var first = LmBatcher.ValidationBatches(docs, Eod, 4, 32).SelectMany(b => b.Inputs).ToArray();
        var second = LmBatcher.ValidationBatches(docs, Eod, 4, 32).SelectMany(b => b.Inputs).ToArray();

        Assert.Equal(first, second);
        Assert.Equal(LmBatcher.ValidationBatchCount(docs, 4, 32) * 4 * 32, first.Length);
        Assert.True(first.Length > 0);
    }

    [Fact]
    public void SplitTails_Fraction_LastTokensHeldOut()
    {
        int[][] docs = [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [11, 12, 13]];

        var (train, validation) = LmDocuments.SplitTails(docs, 0.2);

        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], train[0]);
        Assert.Equal([9, 10], validation[0]);
        Assert.Equal([11, 12, 13], train[1]);
        Assert.Empty(validation[1]);
    }
}
