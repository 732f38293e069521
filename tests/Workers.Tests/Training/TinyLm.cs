using ActorCodistill.Workers.Data;
using ActorCodistill.Workers.Models;
using ActorCodistill.Workers.Training;
using static TorchSharp.torch;

namespace ActorCodistill.Workers.Tests.Training;

/// <summary>Small LSTM language models and random token batches for the model-level tests.</summary>
internal static class TinyLm
{
    /// <summary>Two small LSTM layers with layer norm over a 40-token vocabulary: milliseconds per batch.</summary>
    public static readonly LmModelSpec Spec = new(VocabSize: 40, Embedding: 8, Hidden: 12, Layers: 2, LayerNorm: true, Dropout: 0.0);

    /// <summary>A model initialised from libtorch's global generator seeded with <paramref name="seed"/> (callers run in the generator's collection).</summary>
    public static LstmLanguageModel Seeded(LmModelSpec spec, long seed)
    {
        manual_seed(seed);
        return new LstmLanguageModel(spec);
    }

    public static LmBatch RandomBatch(Random random, LmModelSpec spec, int streams, int window)
    {
        var n = streams * window;
        return new LmBatch(Enumerable.Range(0, n).Select(_ => random.Next(spec.VocabSize)).ToArray(),
            Enumerable.Range(0, n).Select(_ => random.Next(spec.VocabSize)).ToArray(), streams, window);
    }
}

/// <summary>
/// Tests that seed libtorch's global generator and draw from it (model initialisation, randn) run alone, so no
/// concurrently running class draws between a seed and its use, and theirs are not disturbed either.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchGeneratorCollection
{
    public const string Name = "global torch generator";
}
