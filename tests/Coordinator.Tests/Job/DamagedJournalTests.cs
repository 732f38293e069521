using ActorCodistill.Coordinator.Embedded;
using ActorCodistill.Coordinator.Tests.Distributed;

namespace ActorCodistill.Coordinator.Tests.Job;

/// <summary>
/// A run folder whose journal is damaged or lost (issue 19, finding 4: an emptied journal.db was silently replaced by
/// a new job's, a half-truncated one ended in a stack trace). Both are refused with what happened and what to do, and
/// nothing in the folder changes; with <c>training.resume-without-journal = on</c> the damaged file is moved aside and
/// the job goes on from its checkpoints.
/// </summary>
[Trait("Category", "Integration")]
public sealed class DamagedJournalTests : IDisposable
{
    private readonly string _logDir = Path.Combine(Path.GetTempPath(), "codistill-journal-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly string _config;

    public DamagedJournalTests() =>
        _config = ClusterRunTests.TinyClusterConfig(_logDir, ClusterRunTests.FreePort(), "training { steps = 12, eval-interval = 6, print-every = 12 }");

    public void Dispose()
    {
        try { Directory.Delete(_logDir, recursive: true); } catch (IOException) { }
    }

    private TrainCommand.Result Run(string runName, bool withoutJournal = false, TextWriter? console = null) =>
        TrainCommand.Run(new TrainCommand.Options(_config, false,
            withoutJournal ? new Dictionary<string, string?> { ["training.resume-without-journal"] = "on" } : new Dictionary<string, string?>(), runName),
            console ?? TextWriter.Null);

    private static Dictionary<string, long> Sizes(string folder) =>
        Directory.GetFiles(folder, "*", SearchOption.AllDirectories).ToDictionary(f => f, f => new FileInfo(f).Length);

    [Fact]
    public void AnEmptiedJournal_IsRefusedNamingWhatWasLost_AndWithTheFlagTheJobGoesOnFromItsCheckpoints()
    {
        var first = Run("emptied");
        var journal = Path.Combine(first.RunDirectory, "journal.db");
        File.WriteAllBytes(journal, []);
        var before = Sizes(first.RunDirectory);

        var e = Assert.Throws<ArgumentException>(() => Run("emptied"));
        Assert.Contains("journal.db is empty: the job's history is lost", e.Message);
        Assert.Contains("recovery checkpoint file(s)", e.Message);
        Assert.Contains("training.resume-without-journal=on", e.Message);
        Assert.Equal(before, Sizes(first.RunDirectory));

        var console = new StringWriter();
        var resumed = Run("emptied", withoutJournal: true, TextWriter.Synchronized(console));
        Assert.Contains("has no events for job emptied", console.ToString());
        Assert.Contains(resumed.Completed.Status.RecentEvents, m => m.Contains("resuming from the recovery checkpoint of step 10", StringComparison.Ordinal));
        Assert.Equal(12, resumed.Completed.Status.GroupSteps.Values.Max());
    }

    [Fact]
    public void AHalfTruncatedJournal_IsRefusedAsDamaged_AndWithTheFlagItIsMovedAside()
    {
        var first = Run("truncated");
        var journal = Path.Combine(first.RunDirectory, "journal.db");
        foreach (var side in new[] { "-wal", "-shm" }) Assert.False(File.Exists(journal + side), $"{side} left behind after a clean stop");
        var bytes = File.ReadAllBytes(journal);
        File.WriteAllBytes(journal, bytes[..(bytes.Length / 2)]);
        var before = Sizes(first.RunDirectory);

        var e = Assert.Throws<ArgumentException>(() => Run("truncated"));
        Assert.Contains("cannot be read", e.Message);
        Assert.Contains("journal.db", e.Message);
        Assert.Contains("training.resume-without-journal=on", e.Message);
        Assert.Equal(before.OrderBy(kv => kv.Key), Sizes(first.RunDirectory).OrderBy(kv => kv.Key));

        var resumed = Run("truncated", withoutJournal: true);
        Assert.Single(Directory.GetFiles(first.RunDirectory, "journal.db.damaged-*"));
        Assert.Equal(bytes.Length / 2, new FileInfo(Directory.GetFiles(first.RunDirectory, "journal.db.damaged-*")[0]).Length);
        Assert.Equal(12, resumed.Completed.Status.GroupSteps.Values.Max());
    }
}
