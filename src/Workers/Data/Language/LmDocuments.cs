namespace ActorCodistill.Workers.Data;

/// <summary>Turning corpus documents into token arrays for <see cref="LmBatcher"/>.</summary>
public static class LmDocuments
{
    /// <summary>Encodes each document (without <c>&lt;eod&gt;</c>; the batcher adds it), in parallel, order kept.</summary>
    public static int[][] Encode(BpeTokenizer tokenizer, IReadOnlyList<TextDocument> documents)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(documents);
        var result = new int[documents.Count][];
        Parallel.For(0, documents.Count, i => result[i] = tokenizer.Encode(documents[i].Text));
        return result;
    }

    /// <summary>
    /// The alternative to holding out whole documents: the last <paramref name="fraction"/> of
    /// every document's tokens becomes a validation document and the rest stays for training, so
    /// validation covers every book. The cut is at a token boundary; the training part then ends
    /// with an <c>&lt;eod&gt;</c> that is not a real end of document, a small distortion accepted for coverage.
    /// </summary>
    public static (int[][] Train, int[][] Validation) SplitTails(IReadOnlyList<int[]> documents, double fraction)
    {
        ArgumentNullException.ThrowIfNull(documents);
        if (!(fraction >= 0 && fraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "Validation fraction must be in [0, 1).");
        }
        var train = new int[documents.Count][];
        var validation = new int[documents.Count][];
        for (var i = 0; i < documents.Count; i++)
        {
            var d = documents[i];
            var held = (int)Math.Floor(d.Length * fraction);
            train[i] = d[..(d.Length - held)];
            validation[i] = d[(d.Length - held)..];
        }
        return (train, validation);
    }
}
