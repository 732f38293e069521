namespace ActorCodistill.Coordinator.Dashboard;

/// <summary>
/// Sorts the coordinator's event messages into the kinds the event log colours and filters. The observer hands over
/// text only (<see cref="Job.IRunObserver.OnEvent"/>), so this reads the words the groups and the coordinator write;
/// a message it does not know is "info", never dropped.
/// </summary>
public static class EventCategories
{
    private static readonly (string Category, string[] Words)[] Rules =
    [
        ("rollback", ["rolled back", "resuming from the recovery checkpoint", "damaged recovery checkpoint"]),
        ("fence", ["fenc", "probing members", "did not answer the probe"]),
        ("failure", ["fail", "crash", "lost", "gave up", "giving up", "unfinished", "broken"]),
        ("regroup", ["regroup", "replacement", "restored", "re-formed", "paused", "slot(s)"]),
        ("reconfiguration", ["topology", "reload interval", "distillation weight", "drain", "applied at step", "stop requested"]),
        ("checkpoint", ["checkpoint"]),
        ("phase", ["burn-in", "recovered job", "distillation on"]),
    ];

    public static string Of(string message)
    {
        foreach (var (category, words) in Rules)
            if (words.Any(w => message.Contains(w, StringComparison.OrdinalIgnoreCase)))
                return category;
        return "info";
    }
}
