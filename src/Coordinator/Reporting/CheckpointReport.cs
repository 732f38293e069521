using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Reporting;

/// <summary>
/// What a run folder's recovery checkpoints hold (the <c>checkpoints</c> command): per group, newest first, each file's
/// step and size, whether it verifies (SHA-256, layout), and what a resume from it restores: the weights, the members
/// whose carried state it keeps, the teacher copies and what the members' teacher replicas held. Reads every file
/// whole, like a resume.
/// </summary>
public static partial class CheckpointReport
{
    /// <summary>The report, and whether every checkpoint verified.</summary>
    /// <exception cref="DirectoryNotFoundException">The run folder has no <c>checkpoints</c> folder.</exception>
    public static (string Text, bool AllIntact) Describe(string runDirectory)
    {
        var folder = Path.Combine(runDirectory, "checkpoints");
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"{folder}: no such folder (is {runDirectory} a run folder, and did the run reach its first checkpoint?)");
        var groups = Directory.EnumerateFiles(folder, "group-*.ckpt")
            .Select(f => GroupOfFile().Match(Path.GetFileName(f)))
            .Where(m => m.Success)
            .Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))
            .Distinct().Order().ToList();
        var store = new FileGroupCheckpoints(folder);
        var text = new StringBuilder();
        var allIntact = true;
        if (groups.Count == 0) text.AppendLine(CultureInfo.InvariantCulture, $"{folder}: no recovery checkpoints");
        foreach (var group in groups)
        {
            var steps = store.Steps(group);
            text.AppendLine(CultureInfo.InvariantCulture, $"group {group}: {steps.Count} checkpoint(s) in {folder}");
            foreach (var step in steps)
            {
                var path = Path.Combine(folder, $"group-{group}.{step:D20}.ckpt");
                var size = File.Exists(path) ? new FileInfo(path).Length : 0;
                var skipped = new List<string>();
                string what;
                try
                {
                    var loaded = store.LoadLatest(group, skipped.Add, atMost: step);
                    what = loaded is not null && loaded.Step == step ? Contents(loaded) : $"DAMAGED: {string.Join("; ", skipped)}";
                }
                catch (InvalidDataException e)
                {
                    what = $"DAMAGED: {e.Message}";
                }
                allIntact &= !what.StartsWith("DAMAGED", StringComparison.Ordinal);
                text.AppendLine(CultureInfo.InvariantCulture, $"  step {step}: {size / 1e6:F1} MB, {what}");
            }
        }
        return (text.ToString(), allIntact);
    }

    private static string Contents(GroupCheckpoint c)
    {
        var parts = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture, $"intact; {c.Parameters.Length:N0} weights, {c.OptimizerState.Length / 1e6:F1} MB of optimizer state"),
        };
        if (c.Members is null)
        {
            parts.Add("no carried or teacher state (written before 2026-12-06: a resume starts the streams from zeros)");
            return string.Join("; ", parts);
        }
        var carried = c.Members.Where(m => m.Value.Carried is { Length: > 0 }).ToList();
        parts.Add(carried.Count == 0
            ? $"members [{string.Join(",", c.Members.Keys.Order())}] carry no state"
            : $"carried state of members [{string.Join(",", carried.Select(m => m.Key).Order())}] ({carried[0].Value.Carried!.Length:N0} values each)");
        if (c.Copies is { Count: > 0 } copies)
            parts.Add($"teacher copies [{string.Join(",", copies.OrderBy(x => (x.Group, x.Step)).Select(x => $"{x.Group}@{x.Step}"))}]");
        if (c.Members.Values.Select(m => m.Teachers).FirstOrDefault(t => t is { ByGroup.Count: > 0 }) is { } held)
            parts.Add($"replicas held [{string.Join(",", held.ByGroup.OrderBy(t => t.Key).Select(t => $"{t.Key}@{t.Value.CopyStep}"))}]" +
                      (held.Prefetched ? ", next batch predicted" : ""));
        return string.Join("; ", parts);
    }

    [GeneratedRegex(@"^group-(\d+)\.\d{20}\.ckpt$", RegexOptions.CultureInvariant)]
    private static partial Regex GroupOfFile();
}
