namespace ActorCodistill.Workers.Training;

/// <summary>Which other groups a group distills from (paper section 2, "model_set" minus itself).</summary>
public enum TopologyKind
{
    /// <summary>Exactly two groups, each the other's teacher.</summary>
    Pairwise,
    /// <summary>Group i reads from its predecessor i-1 (mod N): one checkpoint stream per group.</summary>
    Ring,
    /// <summary>Every group reads from every other group: N-1 teacher copies per worker.</summary>
    AllToAll,
}

/// <summary>Pure functions from (topology, group count) to teacher and reader sets.</summary>
public static class Topology
{
    public static TopologyKind Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "pairwise" => TopologyKind.Pairwise,
        "ring" => TopologyKind.Ring,
        "all-to-all" or "alltoall" or "all_to_all" => TopologyKind.AllToAll,
        _ => throw new ArgumentException($"unknown topology '{text}' (expected pairwise, ring or all-to-all)"),
    };

    public static string Name(TopologyKind kind) => kind switch
    {
        TopologyKind.Pairwise => "pairwise",
        TopologyKind.Ring => "ring",
        _ => "all-to-all",
    };

    /// <summary>Throws when the topology cannot be used with this many groups.</summary>
    public static void Validate(TopologyKind kind, int groupCount)
    {
        if (groupCount < 1) throw new ArgumentOutOfRangeException(nameof(groupCount), groupCount, "at least one group is needed");
        if (kind == TopologyKind.Pairwise && groupCount != 2)
            throw new ArgumentException($"topology 'pairwise' needs exactly 2 groups, the job has {groupCount} (use ring or all-to-all)");
    }

    /// <summary>The groups whose stale predictions group <paramref name="group"/> learns from, ascending.</summary>
    public static IReadOnlyList<int> TeachersOf(TopologyKind kind, int group, int groupCount)
    {
        if ((uint)group >= (uint)groupCount) throw new ArgumentOutOfRangeException(nameof(group));
        // One group has no other group to learn from, in any topology (a two-phase distillation job: its teacher is a
        // trained model, FixedTeacher, and its topology key is not read).
        if (groupCount == 1) return [];
        Validate(kind, groupCount);
        return kind switch
        {
            TopologyKind.Ring => [(group - 1 + groupCount) % groupCount],
            _ => Enumerable.Range(0, groupCount).Where(g => g != group).ToArray(),
        };
    }

    /// <summary>The groups that read checkpoints of <paramref name="group"/>: where its broadcaster pushes.</summary>
    public static IReadOnlyList<int> ReadersOf(TopologyKind kind, int group, int groupCount) =>
        Enumerable.Range(0, groupCount).Where(g => TeachersOf(kind, g, groupCount).Contains(group)).ToArray();
}
