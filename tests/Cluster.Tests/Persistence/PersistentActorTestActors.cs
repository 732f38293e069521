using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.Persistence;

namespace ActorCodistill.Cluster.Tests.Persistence;

public sealed record Add(int Amount);

public sealed record AddMany(int[] Amounts);

public sealed record Added(int Amount);

public sealed record CounterState(int Sum);

public sealed record TakeSnapshot;

public sealed record Boom;

public sealed record AddAndAck(int Amount);

public sealed record Ack(long SequenceNr);

public sealed record Recovered(int Sum, long LastSequenceNr, long? OfferedSnapshot);

public sealed record Persisted(int Amount, int Sum, long SequenceNr);

public sealed record PersistFailed(Exception Cause, object Event, long SequenceNr);

public sealed record RecoveryFailed(Exception Cause, object? Event);

/// <summary>Sums persisted <see cref="Added"/> events; reports every step to <c>probe</c>.</summary>
public sealed class CounterActor : ReceivePersistentActor
{
    private readonly IActorRef _probe;
    private int _sum;
    private long? _offered;

    public CounterActor(string persistenceId, IActorRef probe)
    {
        PersistenceId = persistenceId;
        _probe = probe;
        Recover<Added>(e => _sum += e.Amount);
        Recover<SnapshotOffer>(o =>
        {
            _sum = ((CounterState)o.Snapshot).Sum;
            _offered = o.Metadata.SequenceNr;
        });
        Recover<RecoveryCompleted>(_ => _probe.Tell(new Recovered(_sum, LastSequenceNr, _offered)));

        Command<Add>(c => Persist(new Added(c.Amount), Apply));
        Command<AddAndAck>(c => Persist(new Added(c.Amount), e =>
        {
            Apply(e);
            Sender.Tell(new Ack(LastSequenceNr));
        }));
        Command<AddMany>(c => PersistAll(c.Amounts.Select(a => new Added(a)), Apply));
        Command<TakeSnapshot>(_ => SaveSnapshot(new CounterState(_sum)));
        Command<SaveSnapshotSuccess>(s => _probe.Tell(s));
        Command<SaveSnapshotFailure>(s => _probe.Tell(s));
        Command<Boom>(_ => throw new InvalidOperationException("boom"));
        Command<string>(s => _probe.Tell($"cmd:{s}:{_sum}"));
    }

    public override string PersistenceId { get; }

    public static Props Props(string persistenceId, IActorRef probe) => global::ActorCodistill.Cluster.Actors.Props.Create(() => new CounterActor(persistenceId, probe));

    private void Apply(Added e)
    {
        _sum += e.Amount;
        _probe.Tell(new Persisted(e.Amount, _sum, LastSequenceNr));
    }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        _probe.Tell(new PersistFailed(cause, @event, sequenceNr));
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnRecoveryFailure(Exception cause, object? @event)
    {
        _probe.Tell(new RecoveryFailed(cause, @event));
        base.OnRecoveryFailure(cause, @event);
    }
}

/// <summary>A journal whose writes a test can hold at a gate or make fail.</summary>
internal sealed class ControlledJournal(IJournal inner) : IJournal
{
    private TaskCompletionSource? _gate;

    public Exception? FailWritesWith { get; set; }

    /// <summary>Completes when a write reaches the gate set by <see cref="HoldWrites"/>.</summary>
    public TaskCompletionSource WriteHeld { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void HoldWrites()
    {
        _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        WriteHeld = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public void ReleaseWrites()
    {
        var gate = _gate;
        _gate = null;
        gate?.TrySetResult();
    }

    public async Task WriteAsync(string persistenceId, IReadOnlyList<JournalEvent> events, long expectedSequenceNr, CancellationToken cancellationToken = default)
    {
        if (_gate is { } gate)
        {
            WriteHeld.TrySetResult();
            await gate.Task.ConfigureAwait(false);
        }
        if (FailWritesWith is { } failure)
            throw failure;
        await inner.WriteAsync(persistenceId, events, expectedSequenceNr, cancellationToken).ConfigureAwait(false);
    }

    public IAsyncEnumerable<JournalEvent> ReplayAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, CancellationToken cancellationToken = default) =>
        inner.ReplayAsync(persistenceId, fromSequenceNr, toSequenceNr, cancellationToken);

    public Task<long> HighestSequenceNrAsync(string persistenceId, CancellationToken cancellationToken = default) =>
        inner.HighestSequenceNrAsync(persistenceId, cancellationToken);

    public Task DeleteUpToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken = default) =>
        inner.DeleteUpToAsync(persistenceId, toSequenceNr, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
