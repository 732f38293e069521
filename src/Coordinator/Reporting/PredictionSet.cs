namespace ActorCodistill.Coordinator.Reporting;

public enum PredictionKind
{
    /// <summary>Per example: top-1 class id and the probability given to the true label.</summary>
    Classification = 0,

    /// <summary>Per example: the probability of the positive class (click-through style).</summary>
    Binary = 1,
}

/// <summary>
/// A model's predictions on the validation set, in validation-set order. Immutable: the factories
/// copy their arrays.
/// </summary>
public sealed class PredictionSet
{
    private readonly int[] _top1;
    private readonly float[] _probabilities;

    private PredictionSet(PredictionKind kind, int[] top1, float[] probabilities, string source)
    {
        Kind = kind;
        _top1 = top1;
        _probabilities = probabilities;
        Source = source;
    }

    public PredictionKind Kind { get; }

    /// <summary>Where these came from (a file path, or a name given in memory); used in error messages.</summary>
    public string Source { get; }

    public int Count => _probabilities.Length;

    /// <summary>Top-1 class ids; empty for <see cref="PredictionKind.Binary"/>.</summary>
    public ReadOnlySpan<int> Top1 => _top1;

    /// <summary>True-label probability (classification) or positive-class probability (binary).</summary>
    public ReadOnlySpan<float> Probabilities => _probabilities;

    public static PredictionSet Classification(ReadOnlySpan<int> top1, ReadOnlySpan<float> trueLabelProbability, string source = "(in memory)")
    {
        if (top1.Length != trueLabelProbability.Length)
            throw new ArgumentException($"{source}: {top1.Length} top-1 ids but {trueLabelProbability.Length} true-label probabilities");
        for (var i = 0; i < top1.Length; i++)
        {
            if (top1[i] < 0)
                throw new ArgumentException($"{source}: top-1 id {top1[i]} at example {i} is negative");
        }
        CheckProbabilities(trueLabelProbability, source, message => new ArgumentException(message));
        return new PredictionSet(PredictionKind.Classification, top1.ToArray(), trueLabelProbability.ToArray(), source);
    }

    public static PredictionSet Binary(ReadOnlySpan<float> probability, string source = "(in memory)")
    {
        CheckProbabilities(probability, source, message => new ArgumentException(message));
        return new PredictionSet(PredictionKind.Binary, [], probability.ToArray(), source);
    }

    internal static void CheckProbabilities(ReadOnlySpan<float> values, string source, Func<string, Exception> error)
    {
        for (var i = 0; i < values.Length; i++)
        {
            // Written this way so NaN fails too.
            if (!(values[i] >= 0f && values[i] <= 1f))
                throw error($"{source}: probability {values[i]} at example {i} is outside [0, 1]");
        }
    }

    internal static PredictionSet Trusted(PredictionKind kind, int[] top1, float[] probabilities, string source) =>
        new(kind, top1, probabilities, source);
}
