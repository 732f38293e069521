using TorchSharp;
using ActorCodistill.Workers.Data;
using ActorCodistill.Workers.Models;
using ActorCodistill.Workers.Training;
using static TorchSharp.torch;

namespace ActorCodistill.Workers.Tests.Training;

[Trait("Category", "Unit")]
public class DataParallelEquivalenceTests
{
    private static readonly CtrModelSpec Spec = new(HashBuckets: 64, EmbeddingDim: 4, Hidden: [16, 8]);

    private static CtrBatch RandomBatch(Random random, int n)
    {
        var labels = new float[n];
        var dense = new float[n * CtrExample.DenseCount];
        var cats = new int[n * CtrExample.CategoricalCount];
        for (var i = 0; i < n; i++) labels[i] = random.Next(2);
        for (var i = 0; i < dense.Length; i++) dense[i] = (float)random.NextDouble();
        for (var i = 0; i < cats.Length; i++) cats[i] = random.Next(Spec.HashBuckets);
        return new CtrBatch(labels, dense, cats, n);
    }

    private static CtrBatch Slice(CtrBatch b, int start, int count) => new(
        b.Labels[start..(start + count)],
        b.Dense[(start * CtrExample.DenseCount)..((start + count) * CtrExample.DenseCount)],
        b.Categorical[(start * CtrExample.CategoricalCount)..((start + count) * CtrExample.CategoricalCount)],
        count);

    private static CtrModel Seeded(long seed)
    {
        manual_seed(seed);
        return new CtrModel(Spec);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void MWorkersWithBatchB_MatchOneWorkerWithBatchMTimesB(int members)
    {
        const int b = 8;
        using var big = Seeded(7);
        var workers = Enumerable.Range(0, members).Select(_ => Seeded(7)).ToArray();
        using var bigOpt = optim.Adam(big.Module.parameters(), 0.01);
        var opts = workers.Select(w => optim.Adam(w.Module.parameters(), 0.01)).ToArray();
        var bigFlat = new FlatParameters(big.Module);
        var flats = workers.Select(w => new FlatParameters(w.Module)).ToArray();
        var random = new Random(3);

        for (var step = 0; step < 4; step++)
        {
            var batch = RandomBatch(random, members * b);
            TrainStep.ComputeGradients(big, batch, null, DistillSpec.Default);
            bigOpt.step();

            var buffers = new float[members][];
            for (var m = 0; m < members; m++)
            {
                TrainStep.ComputeGradients(workers[m], Slice(batch, m * b, b), null, DistillSpec.Default);
                buffers[m] = new float[flats[m].Count];
                flats[m].ExportGradients(buffers[m]);
            }
            RingAllreduceTests.Run(buffers);
            for (var m = 0; m < members; m++)
            {
                flats[m].ImportGradients(buffers[m]);
                opts[m].step();
            }
        }

        var expected = new float[bigFlat.Count];
        bigFlat.ExportParameters(expected);
        var first = new float[bigFlat.Count];
        flats[0].ExportParameters(first);
        for (var i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - first[i]) < 2e-5, $"parameter {i}: one big batch {expected[i]} vs {members} workers {first[i]}");
        for (var m = 1; m < members; m++)
        {
            var other = new float[bigFlat.Count];
            flats[m].ExportParameters(other);
            Assert.Equal(first, other); // every member applied the very same update
        }
        foreach (var o in opts) o.Dispose();
        foreach (var w in workers) w.Dispose();
    }
}
