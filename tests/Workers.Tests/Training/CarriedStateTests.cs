using TorchSharp;
using ActorCodistill.Workers.Data;
using ActorCodistill.Workers.Models;
using ActorCodistill.Workers.Training;
using static TorchSharp.torch;

namespace ActorCodistill.Workers.Tests.Training;

/// <summary>
/// The LSTM's carried state as recovery checkpoints keep it: exported after some batches and imported into another
/// replica with the same weights, the next batch's logits have the same bits as the original's.
/// </summary>
[Trait("Category", "Unit")]
[Collection(TorchGeneratorCollection.Name)]
public class CarriedStateTests
{
    private static readonly LmModelSpec Spec = TinyLm.Spec;
    private const int Streams = 3;
    private const int Window = 5;

    private static LstmLanguageModel Seeded() => TinyLm.Seeded(Spec, 23);

    private static LmBatch RandomBatch(Random random) => TinyLm.RandomBatch(random, Spec, Streams, Window);

    private static float[] Logits(ITaskModel model, object batch)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var logits = model.Forward(batch).data<float>().ToArray();
        model.DetachState();
        return logits;
    }

    [Fact]
    public void ExportedAfterSomeBatches_ImportedIntoAReplica_TheNextBatchHasTheSameBits()
    {
        var random = new Random(4);
        var batches = Enumerable.Range(0, 4).Select(_ => RandomBatch(random)).ToList();
        using var original = Seeded();
        using var replica = Seeded();
        using var fresh = Seeded();
        Assert.Empty(original.ExportCarriedState());
        foreach (var batch in batches.Take(3)) Logits(original, batch);

        var state = original.ExportCarriedState();
        Assert.Equal(2 * Spec.Layers * Streams * Spec.Hidden, state.Length);
        replica.ImportCarriedState(state);

        var expected = Logits(original, batches[3]);
        Assert.Equal(expected, Logits(replica, batches[3]));
        // The state is what makes the difference: a replica carrying none predicts otherwise.
        Assert.NotEqual(expected, Logits(fresh, batches[3]));
        // And the replica goes on carrying it.
        Assert.Equal(original.ExportCarriedState(), replica.ExportCarriedState());
    }

    [Fact]
    public void ImportingEmpty_DropsTheState_AndALengthTheModelCannotCarry_IsRefusedByName()
    {
        var random = new Random(5);
        var batch = RandomBatch(random);
        var next = RandomBatch(random);
        using var model = Seeded();
        using var fresh = Seeded();
        Logits(model, batch);

        model.ImportCarriedState([]);

        Assert.Empty(model.ExportCarriedState());
        Assert.Equal(Logits(fresh, next), Logits(model, next));
        var e = Assert.Throws<ArgumentException>(() => model.ImportCarriedState(new float[2 * Spec.Layers * Spec.Hidden + 1]));
        Assert.Contains("multiple of 48", e.Message);
    }

    [Fact]
    public void AModelThatCarriesNothing_ExportsEmpty_AndRefusesAState()
    {
        using var cnn = new FashionCnn();
        ITaskModel model = cnn;

        Assert.Empty(model.ExportCarriedState());
        model.ImportCarriedState([]);
        var e = Assert.Throws<ArgumentException>(() => model.ImportCarriedState(new float[3]));
        Assert.Contains("FashionCnn carries no state", e.Message);
    }
}
