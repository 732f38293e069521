using System.Data.Common;
using System.Text.RegularExpressions;
using Npgsql;

namespace ActorCodistill.Cluster.Persistence;

/// <summary>
/// A PostgreSQL database as used by the journal and snapshot store: a pooled data source, the
/// tables in one schema, created once on first use.
/// </summary>
internal sealed partial class PostgresDatabase : IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _host;
    private readonly SemaphoreSlim _schemaLock = new(1, 1);
    private volatile bool _schemaReady;

    public PostgresDatabase(string connectionString, string schema)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new PersistenceConfigurationException(PersistenceSettings.PostgresConnectionStringKey,
                $"{PersistenceSettings.PostgresConnectionStringKey} is empty; set it to an Npgsql connection string (Host=...;Username=...;Database=...)");
        // The schema name is spliced into SQL text (identifiers cannot be parameters), so only plain names pass.
        if (string.IsNullOrEmpty(schema) || !IdentifierPattern().IsMatch(schema))
            throw new PersistenceConfigurationException(PersistenceSettings.PostgresSchemaKey,
                $"{PersistenceSettings.PostgresSchemaKey} = '{schema}' is not a plain lower-case SQL identifier ([a-z_][a-z0-9_]*, at most 63 characters)");
        Schema = schema;
        try
        {
            _host = new NpgsqlConnectionStringBuilder(connectionString).Host ?? "(default)";
            _dataSource = NpgsqlDataSource.Create(connectionString);
        }
        catch (ArgumentException ex)
        {
            throw new PersistenceConfigurationException(PersistenceSettings.PostgresConnectionStringKey,
                $"{PersistenceSettings.PostgresConnectionStringKey} is not a valid Npgsql connection string: {ex.Message}");
        }
        EventsTable = $"{schema}.journal_events";
        HighestTable = $"{schema}.journal_highest";
        SnapshotsTable = $"{schema}.snapshots";
    }

    public string Schema { get; }
    public string EventsTable { get; }
    public string HighestTable { get; }
    public string SnapshotsTable { get; }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex IdentifierPattern();

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (!_schemaReady)
            await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        return await OpenRawAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<NpgsqlConnection> OpenRawAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException ex)
        {
            throw new IOException(
                    $"cannot connect to PostgreSQL for persistence ({PersistenceSettings.PostgresConnectionStringKey}, host '{_host}'): {ex.Message}", ex);
        }
    }

    private async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        await _schemaLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_schemaReady)
                return;
            await using var connection = await OpenRawAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            // CREATE ... IF NOT EXISTS is not race-free in PostgreSQL (two sessions can both pass the
            // check and one fails on the catalog's unique index), so creators queue on an advisory lock.
            await using (var lockCommand = connection.Command("SELECT pg_advisory_xact_lock(7120419023)", transaction))
                await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await using (var command = connection.Command(SchemaSql(Schema), transaction))
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            _schemaReady = true;
        }
        finally
        {
            _schemaLock.Release();
        }
    }

    // Timestamps are UTC ticks (bigint) so they round-trip exactly; timestamptz keeps microseconds only.
    private static string SchemaSql(string s) => $"""
        CREATE SCHEMA IF NOT EXISTS {s};
        CREATE TABLE IF NOT EXISTS {s}.journal_events (
            persistence_id text NOT NULL,
            sequence_nr bigint NOT NULL,
            manifest text NOT NULL,
            payload bytea NOT NULL,
            timestamp_ticks bigint NOT NULL,
            PRIMARY KEY (persistence_id, sequence_nr));
        CREATE TABLE IF NOT EXISTS {s}.journal_highest (
            persistence_id text NOT NULL PRIMARY KEY,
            sequence_nr bigint NOT NULL);
        CREATE TABLE IF NOT EXISTS {s}.snapshots (
            persistence_id text NOT NULL,
            sequence_nr bigint NOT NULL,
            manifest text NOT NULL,
            payload bytea NOT NULL,
            checksum bytea NOT NULL,
            timestamp_ticks bigint NOT NULL,
            PRIMARY KEY (persistence_id, sequence_nr));
        """;

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
