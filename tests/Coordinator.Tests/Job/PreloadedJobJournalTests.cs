using ActorCodistill.Coordinator.Job;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Tests.Job;

/// <summary>Counts reads of the journal store underneath, so a test can tell how often a run start reads it.</summary>
internal sealed class CountingJobJournal : IJobJournal
{
    private readonly InMemoryJobJournal _inner = new();
    private int _loads;

    public int Loads => Volatile.Read(ref _loads);

    public IReadOnlyList<JobEvent> Load(string jobId)
    {
        Interlocked.Increment(ref _loads);
        return _inner.Load(jobId);
    }

    public void Append(string jobId, JobEvent e) => _inner.Append(jobId, e);
}

[Trait("Category", "Unit")]
public class PreloadedJobJournalTests
{
    private static readonly JobStarted Started = new("run-1", false, 2, TopologyKind.Pairwise, 4, 0.5, 10);

    [Fact]
    public void Load_FirstOfThatJob_IsTheHandedOverList_LaterLoadsReadTheStore()
    {
        var store = new CountingJobJournal();
        store.Append("run-1", Started);
        var history = store.Load("run-1");
        var journal = new PreloadedJobJournal(store, "run-1", history);

        Assert.Same(history, journal.Load("run-1"));
        Assert.Equal(1, store.Loads);
        // A restarted coordinator loads again: that must be the store, not the stale list.
        Assert.Equal([Started], journal.Load("run-1"));
        Assert.Equal(2, store.Loads);
    }

    [Fact]
    public void Load_AfterAnAppendToThatJob_ReadsTheStore_SoTheAppendedEventIsThere()
    {
        var store = new CountingJobJournal();
        store.Append("run-1", Started);
        var journal = new PreloadedJobJournal(store, "run-1", store.Load("run-1"));

        journal.Append("run-1", new DistillWeightChanged(0.25));

        Assert.Equal([Started, new DistillWeightChanged(0.25)], journal.Load("run-1"));
        Assert.Equal(2, store.Loads);
    }

    [Fact]
    public void Load_OfAnotherJob_ReadsTheStore_AndLeavesThePreloadedListForItsJob()
    {
        var store = new CountingJobJournal();
        store.Append("other", new JobStopRequested("x"));
        var preloaded = new JobEvent[] { Started };
        var journal = new PreloadedJobJournal(store, "run-1", preloaded);

        Assert.Equal([new JobStopRequested("x")], journal.Load("other"));
        journal.Append("other", new JobStopRequested("y"));
        Assert.Same(preloaded, journal.Load("run-1"));
        Assert.Equal(1, store.Loads);
    }
}
