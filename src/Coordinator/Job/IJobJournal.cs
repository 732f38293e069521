using ActorCodistill.Cluster.Persistence;

namespace ActorCodistill.Coordinator.Job;

/// <summary>The coordinator's event journal: append in order, load everything back for recovery.</summary>
public interface IJobJournal
{
    IReadOnlyList<JobEvent> Load(string jobId);
    void Append(string jobId, JobEvent e);
}

/// <summary>Keeps events in memory only (tests, and runs with persistence turned off).</summary>
public sealed class InMemoryJobJournal : IJobJournal
{
    private readonly Dictionary<string, List<JobEvent>> _events = new();

    public IReadOnlyList<JobEvent> Load(string jobId) =>
        _events.TryGetValue(jobId, out var list) ? list.ToArray() : [];

    public void Append(string jobId, JobEvent e)
    {
        if (!_events.TryGetValue(jobId, out var list)) _events[jobId] = list = new List<JobEvent>();
        list.Add(e);
    }
}

/// <summary>Journals job events through the cluster's persistence stores (SQLite by default, PostgreSQL when configured).</summary>
public sealed class StoreJobJournal(IJournal journal) : IJobJournal
{
    private readonly Dictionary<string, long> _sequence = new();

    private static string PersistenceId(string jobId) => $"job-{jobId}";

    public IReadOnlyList<JobEvent> Load(string jobId)
    {
        var events = new List<JobEvent>();
        var highest = 0L;
        journal.ReplayAsync(PersistenceId(jobId), 1, long.MaxValue, e =>
        {
            events.Add(JobEvent.Deserialize(e.Payload, $"journal {PersistenceId(jobId)} #{e.SequenceNr}"));
            highest = e.SequenceNr;
        }).GetAwaiter().GetResult();
        _sequence[jobId] = highest;
        return events;
    }

    public void Append(string jobId, JobEvent e)
    {
        var expected = _sequence.TryGetValue(jobId, out var s) ? s : journal.HighestSequenceNrAsync(PersistenceId(jobId)).GetAwaiter().GetResult();
        var next = expected + 1;
        // Small synchronous writes on the coordinator's thread: a job event is rare (reconfiguration,
        // checkpoints every reload interval) and must be durable before the change is acted on.
        journal.WriteAsync(PersistenceId(jobId), [new JournalEvent(next, e.GetType().Name, e.Serialize(), DateTimeOffset.UtcNow)], expected)
            .GetAwaiter().GetResult();
        _sequence[jobId] = next;
    }
}
