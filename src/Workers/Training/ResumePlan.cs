namespace ActorCodistill.Workers.Training;

/// <summary>
/// Where the groups of a restarted job resume, decided once for all of them from the checkpoints that load (checksum
/// and layout verified: a damaged file does not count). In reload-mode exact (distillation, 2+ groups) every group
/// resumes from <see cref="Common"/>, the newest step of which every group has an intact checkpoint, so that each
/// re-runs its boundaries with the copies the others take again; when there is no such step (a group whose
/// checkpoints are all damaged, or none at all), every group starts from scratch and the run stays exact. Otherwise
/// (reload-mode newest, a baseline, one group) <see cref="Common"/> is null and each group resumes from its own
/// newest intact checkpoint.
/// </summary>
public sealed record ResumePlan(
    long? Common,
    IReadOnlyDictionary<int, IReadOnlyList<long>> Intact,
    IReadOnlyDictionary<int, IReadOnlyList<string>> Damaged)
{
    /// <summary>Each group from its own newest intact checkpoint (nothing verified in advance).</summary>
    public static ResumePlan EachItsOwn { get; } =
        new(null, new Dictionary<int, IReadOnlyList<long>>(), new Dictionary<int, IReadOnlyList<string>>());

    public static ResumePlan Decide(JobSpec spec, IGroupCheckpoints checkpoints)
    {
        if (spec.ReloadMode != ReloadMode.Exact || spec.Baseline || spec.Groups < 2) return EachItsOwn;
        var intact = new Dictionary<int, IReadOnlyList<long>>();
        var damaged = new Dictionary<int, IReadOnlyList<string>>();
        for (var g = 0; g < spec.Groups; g++)
        {
            var bad = new List<string>();
            intact[g] = checkpoints.IntactSteps(g, bad.Add);
            damaged[g] = bad;
        }
        var common = intact.Values.Select(s => (IEnumerable<long>)s).Aggregate((a, b) => a.Intersect(b)).DefaultIfEmpty(0).Max();
        return new ResumePlan(common, intact, damaged);
    }

    /// <summary>The steps of the group's intact checkpoints, newest first (empty for <see cref="EachItsOwn"/>).</summary>
    public IReadOnlyList<long> IntactOf(int group) => Intact.GetValueOrDefault(group) ?? [];

    /// <summary>"path: reason" for each of the group's checkpoints that did not load.</summary>
    public IReadOnlyList<string> DamagedOf(int group) => Damaged.GetValueOrDefault(group) ?? [];

    /// <summary>Why <see cref="Common"/> is 0 although <paramref name="group"/> has an intact checkpoint.</summary>
    public string WhyFromScratch(int group)
    {
        var none = Intact.Where(kv => kv.Value.Count == 0).Select(kv => kv.Key).Order().ToList();
        if (none.Count > 0)
            return $"group(s) [{string.Join(",", none)}] have no intact one" +
                   (none.Sum(g => DamagedOf(g).Count) is var bad and > 0 ? $" ({bad} damaged: {string.Join("; ", none.SelectMany(DamagedOf))})" : "");
        return "no step has an intact checkpoint of every group (" +
               string.Join("; ", Intact.OrderBy(kv => kv.Key).Select(kv => $"group {kv.Key}: [{string.Join(",", kv.Value)}]")) + ")";
    }
}
