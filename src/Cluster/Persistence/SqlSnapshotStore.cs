using System.Data.Common;

namespace ActorCodistill.Cluster.Persistence;

/// <summary>Snapshot-store logic shared by the SQLite and PostgreSQL stores.</summary>
public abstract class SqlSnapshotStore : ISnapshotStore
{
    private readonly SnapshotStoreOptions _options;

    private protected SqlSnapshotStore(SnapshotStoreOptions? options)
    {
        _options = options ?? new SnapshotStoreOptions();
        _options.Validate();
    }

    private protected abstract string SnapshotsTable { get; }
    private protected abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);
    private protected abstract SemaphoreSlim? WriteGate { get; }

    public async Task SaveAsync(string persistenceId, long sequenceNr, string manifest, byte[] payload, CancellationToken cancellationToken = default)
    {
        SqlCommandExtensions.ValidatePersistenceId(persistenceId);
        ArgumentOutOfRangeException.ThrowIfNegative(sequenceNr);
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(payload);
        var checksum = SnapshotChecksum.Compute(payload);
        var ticks = _options.TimeProvider.GetUtcNow().UtcTicks;

        await WithWriteGateAsync(async () =>
        {
            await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (var upsert = connection.Command(
                $"INSERT INTO {SnapshotsTable} (persistence_id, sequence_nr, manifest, payload, checksum, timestamp_ticks) " +
                "VALUES (@id, @seq, @manifest, @payload, @checksum, @ticks) " +
                "ON CONFLICT (persistence_id, sequence_nr) DO UPDATE SET manifest = excluded.manifest, payload = excluded.payload, " +
                "checksum = excluded.checksum, timestamp_ticks = excluded.timestamp_ticks", transaction))
            {
                upsert.Add("@id", persistenceId);
                upsert.Add("@seq", sequenceNr);
                upsert.Add("@manifest", manifest);
                upsert.Add("@payload", payload);
                upsert.Add("@checksum", checksum);
                upsert.Add("@ticks", ticks);
                await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            if (_options.KeepNewest is { } keep)
            {
                await using var prune = connection.Command(
                    $"DELETE FROM {SnapshotsTable} WHERE persistence_id = @id AND sequence_nr NOT IN " +
                    $"(SELECT sequence_nr FROM {SnapshotsTable} WHERE persistence_id = @id ORDER BY sequence_nr DESC LIMIT @keep)", transaction);
                prune.Add("@id", persistenceId);
                prune.Add("@keep", keep);
                await prune.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<Snapshot?> LoadNewestAsync(string persistenceId, long maxSequenceNr = long.MaxValue, CancellationToken cancellationToken = default)
    {
        SqlCommandExtensions.ValidatePersistenceId(persistenceId);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.Command(
            $"SELECT sequence_nr, manifest, payload, checksum, timestamp_ticks FROM {SnapshotsTable} " +
            "WHERE persistence_id = @id AND sequence_nr <= @max ORDER BY sequence_nr DESC");
        command.Add("@id", persistenceId);
        command.Add("@max", maxSequenceNr);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var sequenceNr = reader.GetInt64(0);
            var (snapshot, problem) = TryRead(reader, persistenceId, sequenceNr);
            if (snapshot is not null)
                return snapshot;
            _options.OnCorruptSnapshot(new CorruptSnapshot(persistenceId, sequenceNr, problem!));
        }
        return null;
    }

    private static (Snapshot?, string?) TryRead(DbDataReader reader, string persistenceId, long sequenceNr)
    {
        try
        {
            if (reader.IsDBNull(1) || reader.IsDBNull(2) || reader.IsDBNull(3) || reader.IsDBNull(4))
                return (null, "a column is NULL");
            var manifest = reader.GetString(1);
            var payload = reader.GetFieldValue<byte[]>(2);
            var checksum = reader.GetFieldValue<byte[]>(3);
            var problem = SnapshotChecksum.Verify(payload, checksum);
            if (problem is not null)
                return (null, problem);
            return (new Snapshot(persistenceId, sequenceNr, manifest, payload, new DateTimeOffset(reader.GetInt64(4), TimeSpan.Zero)), null);
        }
        catch (Exception ex) when (ex is InvalidCastException or FormatException or OverflowException or ArgumentException)
        {
            // A row rewritten with the wrong column types (by hand or a foreign tool) is as
            // useless as one with a bad checksum; an older snapshot may still be fine.
            return (null, $"unreadable row: {ex.Message}");
        }
    }

    public Task DeleteAsync(string persistenceId, long sequenceNr, CancellationToken cancellationToken = default) =>
        DeleteWhereAsync(persistenceId, "sequence_nr = @seq", sequenceNr, cancellationToken);

    public Task DeleteUpToAsync(string persistenceId, long maxSequenceNr, CancellationToken cancellationToken = default) =>
        DeleteWhereAsync(persistenceId, "sequence_nr <= @seq", maxSequenceNr, cancellationToken);

    private Task DeleteWhereAsync(string persistenceId, string condition, long sequenceNr, CancellationToken cancellationToken)
    {
        SqlCommandExtensions.ValidatePersistenceId(persistenceId);
        return WithWriteGateAsync(async () =>
        {
            await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.Command($"DELETE FROM {SnapshotsTable} WHERE persistence_id = @id AND {condition}");
            command.Add("@id", persistenceId);
            command.Add("@seq", sequenceNr);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    private async Task WithWriteGateAsync(Func<Task> write, CancellationToken cancellationToken)
    {
        var gate = WriteGate;
        if (gate is not null)
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await write().ConfigureAwait(false);
        }
        finally
        {
            gate?.Release();
        }
    }

    public abstract ValueTask DisposeAsync();
}
