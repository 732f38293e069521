using ActorCodistill.Workers.Data;

namespace ActorCodistill.Workers.Training.Tasks;

/// <summary>Shard plans over a subset of the examples.</summary>
public static class ShardPlans
{
    /// <summary>Shards planned over positions 0..n-1 of the training split, mapped back to example indices.</summary>
    public static ShardPlan Remap(ShardPlan plan, int[] trainIndices) =>
        plan with
        {
            Shards = plan.Shards.Select(g => (IReadOnlyList<IReadOnlyList<int>>)g.Select(w => (IReadOnlyList<int>)w.Select(i => trainIndices[i]).ToArray()).ToArray()).ToArray(),
        };
}
