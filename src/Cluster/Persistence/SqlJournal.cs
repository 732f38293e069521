using System.Data.Common;
using System.Runtime.CompilerServices;

namespace ActorCodistill.Cluster.Persistence;

/// <summary>
/// The journal logic shared by the SQLite and PostgreSQL journals; they differ only in how a
/// connection is opened, the schema, and how a unique violation is reported.
/// </summary>
/// <remarks>
/// Optimistic concurrency rests on a one-row-per-id table of highest sequence numbers, updated
/// with a compare-and-set (<c>WHERE sequence_nr = @expected</c>) in the same transaction as the
/// inserts. Keeping the highest number apart from the events means <see cref="DeleteUpToAsync"/>
/// never lowers it, so an entity whose old events were deleted cannot reuse their numbers.
/// </remarks>
public abstract class SqlJournal : IJournal
{
    private const int ReplayPageSize = 256;

    private protected abstract string EventsTable { get; }
    private protected abstract string HighestTable { get; }

    /// <summary>An open connection on a database whose schema exists.</summary>
    private protected abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Serialises writers inside this process where the database needs it (SQLite), else null.</summary>
    private protected abstract SemaphoreSlim? WriteGate { get; }

    private protected abstract bool IsUniqueViolation(DbException exception);

    public async Task WriteAsync(string persistenceId, IReadOnlyList<JournalEvent> events, long expectedSequenceNr, CancellationToken cancellationToken = default)
    {
        SqlCommandExtensions.ValidatePersistenceId(persistenceId);
        ArgumentNullException.ThrowIfNull(events);
        ArgumentOutOfRangeException.ThrowIfNegative(expectedSequenceNr);
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i] ?? throw new ArgumentException($"event {i} for persistence id '{persistenceId}' is null", nameof(events));
            if (e.SequenceNr != expectedSequenceNr + 1 + i)
                throw new ArgumentException(
                    $"events for persistence id '{persistenceId}' must be numbered consecutively from {expectedSequenceNr + 1}; " +
                    $"event {i} has sequence number {e.SequenceNr}, expected {expectedSequenceNr + 1 + i}", nameof(events));
            if (e.Manifest is null || e.Payload is null)
                throw new ArgumentException($"event {e.SequenceNr} for persistence id '{persistenceId}' has a null manifest or payload", nameof(events));
        }
        if (events.Count == 0)
            return;

        var gate = WriteGate;
        if (gate is not null)
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var newHighest = expectedSequenceNr + events.Count;
            try
            {
                if (!await TryAdvanceHighestAsync(connection, transaction, persistenceId, expectedSequenceNr, newHighest, cancellationToken).ConfigureAwait(false))
                {
                    var actual = await ReadHighestAsync(connection, transaction, persistenceId, cancellationToken).ConfigureAwait(false);
                    await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
                    throw new JournalConcurrencyException(persistenceId, expectedSequenceNr, actual);
                }

                await using var insert = connection.Command(
                    $"INSERT INTO {EventsTable} (persistence_id, sequence_nr, manifest, payload, timestamp_ticks) VALUES (@id, @seq, @manifest, @payload, @ticks)",
                    transaction);
                insert.Add("@id", persistenceId);
                var seq = insert.Add("@seq", 0L);
                var manifest = insert.Add("@manifest", "");
                var payload = insert.Add("@payload", Array.Empty<byte>());
                var ticks = insert.Add("@ticks", 0L);
                foreach (var e in events)
                {
                    seq.Value = e.SequenceNr;
                    manifest.Value = e.Manifest;
                    payload.Value = e.Payload;
                    ticks.Value = e.Timestamp.UtcTicks;
                    await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (DbException ex) when (IsUniqueViolation(ex))
            {
                // A concurrent first write to the same id (both saw no highest row) lands here.
                await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
                throw new JournalConcurrencyException(persistenceId, expectedSequenceNr,
                    await HighestSequenceNrAsync(persistenceId, CancellationToken.None).ConfigureAwait(false), ex);
            }
        }
        finally
        {
            gate?.Release();
        }
    }

    private async Task<bool> TryAdvanceHighestAsync(DbConnection connection, DbTransaction transaction, string persistenceId, long expected, long newHighest, CancellationToken cancellationToken)
    {
        // Insert-if-absent for a new stream, compare-and-set otherwise: either touches no row when
        // another writer moved the stream, and on PostgreSQL the row lock makes a concurrent loser
        // re-check the condition after the winner commits.
        var sql = expected == 0
            ? $"INSERT INTO {HighestTable} (persistence_id, sequence_nr) VALUES (@id, @new) ON CONFLICT (persistence_id) DO NOTHING"
            : $"UPDATE {HighestTable} SET sequence_nr = @new WHERE persistence_id = @id AND sequence_nr = @expected";
        await using var command = connection.Command(sql, transaction);
        command.Add("@id", persistenceId);
        command.Add("@new", newHighest);
        if (expected != 0)
            command.Add("@expected", expected);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    private async Task<long> ReadHighestAsync(DbConnection connection, DbTransaction? transaction, string persistenceId, CancellationToken cancellationToken)
    {
        await using var command = connection.Command($"SELECT sequence_nr FROM {HighestTable} WHERE persistence_id = @id", transaction);
        command.Add("@id", persistenceId);
        var result = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return result is null or DBNull ? 0 : Convert.ToInt64(result, System.Globalization.CultureInfo.InvariantCulture);
    }

    public async IAsyncEnumerable<JournalEvent> ReplayAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        SqlCommandExtensions.ValidatePersistenceId(persistenceId);
        var next = Math.Max(fromSequenceNr, 1);
        while (next <= toSequenceNr)
        {
            var page = await ReadPageAsync(persistenceId, next, toSequenceNr, cancellationToken).ConfigureAwait(false);
            foreach (var e in page)
                yield return e;
            if (page.Count < ReplayPageSize || page[^1].SequenceNr == long.MaxValue)
                yield break;
            next = page[^1].SequenceNr + 1;
        }
    }

    private async Task<List<JournalEvent>> ReadPageAsync(string persistenceId, long from, long to, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.Command(
            $"SELECT sequence_nr, manifest, payload, timestamp_ticks FROM {EventsTable} " +
            "WHERE persistence_id = @id AND sequence_nr >= @from AND sequence_nr <= @to ORDER BY sequence_nr LIMIT @limit");
        command.Add("@id", persistenceId);
        command.Add("@from", from);
        command.Add("@to", to);
        command.Add("@limit", ReplayPageSize);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var page = new List<JournalEvent>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            page.Add(new JournalEvent(
                reader.GetInt64(0),
                reader.GetString(1),
                reader.GetFieldValue<byte[]>(2),
                new DateTimeOffset(reader.GetInt64(3), TimeSpan.Zero)));
        }
        return page;
    }

    public async Task<long> HighestSequenceNrAsync(string persistenceId, CancellationToken cancellationToken = default)
    {
        SqlCommandExtensions.ValidatePersistenceId(persistenceId);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await ReadHighestAsync(connection, null, persistenceId, cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteUpToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken = default)
    {
        SqlCommandExtensions.ValidatePersistenceId(persistenceId);
        var gate = WriteGate;
        if (gate is not null)
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.Command($"DELETE FROM {EventsTable} WHERE persistence_id = @id AND sequence_nr <= @to");
            command.Add("@id", persistenceId);
            command.Add("@to", toSequenceNr);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate?.Release();
        }
    }

    public abstract ValueTask DisposeAsync();
}
