namespace ActorCodistill.Workers.Data;

public enum ShardMode
{
    /// <summary>Each group trains on its own disjoint part of the training items (the paper's default).</summary>
    Disjoint,

    /// <summary>Every group trains on all training items (the paper's Fig 2b control).</summary>
    Shared,
}

/// <summary>What to shard: G groups of M workers, a held-out validation fraction, a seed.</summary>
public sealed record ShardSpec(int Groups, int WorkersPerGroup, ShardMode Mode = ShardMode.Disjoint, double ValidationFraction = 0.0, long Seed = 0)
{
    internal void Validate()
    {
        if (Groups < 1 || WorkersPerGroup < 1)
        {
            throw new ArgumentException($"ShardSpec needs at least 1 group and 1 worker per group, got {Groups} x {WorkersPerGroup}.");
        }
        if (!(ValidationFraction >= 0 && ValidationFraction < 1))
        {
            throw new ArgumentException($"ShardSpec.ValidationFraction must be in [0, 1), got {ValidationFraction}.");
        }
    }
}

/// <summary>
/// Item indices per (group, worker), each list sorted ascending, plus the held-out validation
/// indices. In <see cref="ShardMode.Shared"/> the groups' shards cover the same items.
/// </summary>
public sealed record ShardPlan(ShardSpec Spec, IReadOnlyList<int> Validation, IReadOnlyList<IReadOnlyList<IReadOnlyList<int>>> Shards)
{
    public IReadOnlyList<int> Worker(int group, int worker) => Shards[group][worker];

    /// <summary>All items of one group, sorted.</summary>
    public IReadOnlyList<int> Group(int group) => [.. Shards[group].SelectMany(s => s).Order()];

    /// <summary>
    /// A seed for one worker's batcher, independent across (group, worker), so two groups with
    /// the same data in Shared mode still read it in different orders.
    /// </summary>
    public long BatcherSeed(int group, int worker) => unchecked((long)SeededRandom.Derive(Spec.Seed, 0x5EED, group, worker));
}
