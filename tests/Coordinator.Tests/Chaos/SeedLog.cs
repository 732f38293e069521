using System.Globalization;
using System.Text.RegularExpressions;
using ActorCodistill.Cluster.Persistence;
using ActorCodistill.Coordinator.Job;
using ActorCodistill.Workers.Training;
using Xunit.Sdk;

namespace ActorCodistill.Coordinator.Tests.Chaos;

/// <summary>A progress line of the seed: <c>[   19.2s] group 0  step 30/40 ... | loss 2.1 ... | teacher age 3</c>.</summary>
internal sealed record ProgressLine(int Index, double Seconds, int Group, long Step, long Steps, double Loss, string TeacherAge);

/// <summary>An event line of the seed: <c>[   14.5s] group 1: worker slot 0 failed at step 25 (...)</c>.</summary>
internal sealed record EventLine(int Index, double Seconds, int Group, string Message);

/// <summary>Reads a seed's console output (all incarnations) and the run folder it leaves, and checks the invariants a failure must not break.</summary>
internal static class SeedLog
{
    private static readonly Regex Progress = new(
        @"^\[\s*(?<t>\d+(?:\.\d+)?)s\] group (?<g>\d+)  step (?<s>\d+)/(?<n>\d+) .*?\| loss (?<loss>\S+) .*\| teacher age (?<age>.+)$",
        RegexOptions.CultureInvariant);
    private static readonly Regex Event = new(@"^\[\s*(?<t>\d+(?:\.\d+)?)s\] (?:group (?<g>\d+)|job): (?<m>.+)$", RegexOptions.CultureInvariant);
    private static readonly Regex RollBack = new(
        @"(?:resuming from the recovery checkpoint of step|rolled back from step \d+ to the recovery checkpoint of step) (?<to>\d+)",
        RegexOptions.CultureInvariant);

    public static readonly Regex Failure = new(@"worker slot \d+ (?:failed|fenced) at step \d+", RegexOptions.CultureInvariant);
    public static readonly Regex Fenced = new(@"worker slot \d+ fenced at step \d+: did not answer a probe", RegexOptions.CultureInvariant);
    public static readonly Regex Regroup = new(@"regrouped with slots|workers restored at step|rolled back from step|paused until replacements", RegexOptions.CultureInvariant);

    public static Regex ProgressOf(int group) => new($@"^\[\s*\d+(?:\.\d+)?s\] group {group}  step \d+/", RegexOptions.CultureInvariant);

    public static Regex EventOf(int group, Regex message) => new($@"^\[\s*\d+(?:\.\d+)?s\] group {group}: .*(?:{message})", RegexOptions.CultureInvariant);

    public static IReadOnlyList<ProgressLine> ProgressLines(IReadOnlyList<string> lines, int from = 0)
    {
        var result = new List<ProgressLine>();
        for (var i = from; i < lines.Count; i++)
            if (Progress.Match(lines[i]) is { Success: true } m)
                result.Add(new ProgressLine(i, Num(m, "t"), (int)Num(m, "g"), (long)Num(m, "s"), (long)Num(m, "n"), Num(m, "loss"), m.Groups["age"].Value));
        return result;
    }

    public static IReadOnlyList<EventLine> EventLines(IReadOnlyList<string> lines, int from = 0)
    {
        var result = new List<EventLine>();
        for (var i = from; i < lines.Count; i++)
            if (!Progress.IsMatch(lines[i]) && Event.Match(lines[i]) is { Success: true } m)
                result.Add(new EventLine(i, Num(m, "t"), m.Groups["g"].Success ? (int)Num(m, "g") : -1, m.Groups["m"].Value));
        return result;
    }

    public static ProgressLine ParseProgress(IReadOnlyList<string> lines, int index) =>
        ProgressLines(lines, index).FirstOrDefault(p => p.Index == index) ?? throw new XunitException($"line {index} is not a progress line: {lines[index]}");

    /// <summary>
    /// Every group reports steps 1, 2, 3, ... in order (print-every = 1), each once: a step may be reported again only
    /// after a logged roll back to a recovery checkpoint (then from that checkpoint's step on), or after a seed restart
    /// that found no checkpoint (from 1). Every loss is finite and every group ends at <paramref name="steps"/>.
    /// </summary>
    public static void AssertStepsReportedOnceInOrder(IReadOnlyList<string> lines, int groups, long steps)
    {
        var next = Enumerable.Repeat(1L, groups).ToArray();
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            if (line.StartsWith("READY seed ", StringComparison.Ordinal))
            {
                Array.Fill(next, 1L);
                continue;
            }
            if (Progress.Match(line) is { Success: true } p)
            {
                var g = (int)Num(p, "g");
                var step = (long)Num(p, "s");
                if (step != next[g])
                    throw new XunitException($"group {g} reported step {step} where step {next[g]} was due (line {i}, no roll back logged to explain it):" +
                                             $"{Environment.NewLine}{Around(lines, i)}");
                var loss = Num(p, "loss");
                if (!double.IsFinite(loss)) throw new XunitException($"group {g} step {step}: loss {loss} is not finite (line {i}){Environment.NewLine}{Around(lines, i)}");
                next[g] = step + 1;
                continue;
            }
            if (Event.Match(line) is { Success: true, Groups: var groupsOf } e && groupsOf["g"].Success && RollBack.Match(line) is { Success: true } r)
                next[(int)Num(e, "g")] = (long)Num(r, "to") + 1;
        }
        for (var g = 0; g < groups; g++)
            Assert.True(next[g] == steps + 1, $"group {g}: last reported step {next[g] - 1}, expected {steps}");
    }

    /// <summary>The seed ended cleanly: exit 0 and the summary of a completed run.</summary>
    public static void AssertCompleted(IReadOnlyList<string> lines, long steps)
    {
        Assert.Contains(lines, l => l.StartsWith($"steps {steps}, wall ", StringComparison.Ordinal) && !l.Contains("did not end cleanly", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("bytes between groups (float16 checkpoints): ", StringComparison.Ordinal));
    }

    /// <summary>Every recovery checkpoint file of every group verifies (length, SHA-256) and decodes into finite weights.</summary>
    public static int AssertEveryCheckpointLoads(string runDirectory, int groups)
    {
        var directory = Path.Combine(runDirectory, "checkpoints");
        var store = new FileCheckpointStore(directory);
        var count = 0;
        for (var g = 0; g < groups; g++)
        {
            var infos = store.List($"group-{g}");
            Assert.True(infos.Count > 0, $"no recovery checkpoint of group {g} in {directory}");
            foreach (var info in infos)
            {
                // LoadLatest verifies only the newest intact file: give it each file alone.
                var alone = Path.Combine(runDirectory, "verify-" + Guid.NewGuid().ToString("N")[..8]);
                Directory.CreateDirectory(alone);
                File.Copy(info.Path, Path.Combine(alone, Path.GetFileName(info.Path)));
                var checkpoint = new FileGroupCheckpoints(alone).LoadLatest(g, skipped => throw new XunitException($"corrupt recovery checkpoint: {skipped}"));
                Assert.NotNull(checkpoint);
                Assert.Equal(info.Step, checkpoint.Step);
                Assert.True(checkpoint.Parameters.Length > 0 && checkpoint.Parameters.All(float.IsFinite), $"{info.Path}: weights not finite");
                Directory.Delete(alone, recursive: true);
                count++;
            }
        }
        return count;
    }

    /// <summary>The coordinator's journal (journal.db in the run folder), read back through the same Akka.Persistence plugin a restarted seed uses.</summary>
    public static IReadOnlyList<JobEvent> Journal(string runDirectory)
    {
        var system = ActorCodistill.Coordinator.Embedded.EmbeddedHosting.Start("journal-reader", akka: JobJournal.AkkaConfig(
            new PersistenceSettings(PersistenceSettings.SqlitePlugin, Path.Combine(runDirectory, "journal.db"))));
        try
        {
            return JobJournal.Read(system, ChaosCluster.RunName);
        }
        finally
        {
            system.Terminate().Wait(TimeSpan.FromSeconds(30));
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        }
    }

    private static double Num(Match m, string group) => double.Parse(m.Groups[group].Value, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static string Around(IReadOnlyList<string> lines, int index) =>
        string.Join(Environment.NewLine, lines.Skip(Math.Max(0, index - 15)).Take(20));
}
