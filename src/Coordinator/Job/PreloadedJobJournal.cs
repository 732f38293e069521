namespace ActorCodistill.Coordinator.Job;

/// <summary>
/// A journal whose first <see cref="Load"/> of one job is answered with the events the caller has already read
/// from the inner journal, so a run start reads the store once: the run command reads the history (to refuse a
/// finished run folder, to say "resuming") and the coordinator recovers from that same list.
/// Every later load, and any load after an append to that job, goes to the inner journal: a coordinator the
/// runtime restarts must see what it journalled since, exactly as without this wrapper.
/// </summary>
public sealed class PreloadedJobJournal : IJobJournal
{
    private readonly IJobJournal _inner;
    private readonly string _jobId;

    // Taken once; the run command's thread hands it over and the coordinator's actor thread takes it.
    private IReadOnlyList<JobEvent>? _loaded;

    /// <param name="inner">The journal the events were read from; appends and later loads go to it.</param>
    /// <param name="jobId">The job whose history <paramref name="loaded"/> is.</param>
    /// <param name="loaded">What <c>inner.Load(jobId)</c> returned.</param>
    public PreloadedJobJournal(IJobJournal inner, string jobId, IReadOnlyList<JobEvent> loaded)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(jobId);
        ArgumentNullException.ThrowIfNull(loaded);
        _inner = inner;
        _jobId = jobId;
        _loaded = loaded;
    }

    public IReadOnlyList<JobEvent> Load(string jobId)
    {
        if (jobId == _jobId && Interlocked.Exchange(ref _loaded, null) is { } events) return events;
        return _inner.Load(jobId);
    }

    public void Append(string jobId, JobEvent e)
    {
        // The preloaded list no longer holds the whole history once the job has journalled more.
        if (jobId == _jobId) Interlocked.Exchange(ref _loaded, null);
        _inner.Append(jobId, e);
    }
}
