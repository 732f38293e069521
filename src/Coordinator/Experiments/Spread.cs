namespace ActorCodistill.Coordinator.Experiments;

/// <summary>Mean and spread of a figure over an experiment's seeds: sample standard deviation (0 for one seed), min and max.</summary>
public sealed record Spread(double Mean, double StandardDeviation, double Min, double Max, int Count)
{
    /// <summary>The spread of the finite values, or null when there is none.</summary>
    public static Spread? Of(IEnumerable<double> values)
    {
        var finite = values.Where(double.IsFinite).ToList();
        if (finite.Count == 0) return null;
        var mean = finite.Average();
        var sd = finite.Count < 2 ? 0 : Math.Sqrt(finite.Sum(v => (v - mean) * (v - mean)) / (finite.Count - 1));
        return new Spread(mean, sd, finite.Min(), finite.Max(), finite.Count);
    }
}
