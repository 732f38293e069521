using System.Data.Common;
using Npgsql;

namespace ActorCodistill.Cluster.Persistence;

/// <summary>Journal in PostgreSQL (multi-node deployments); tables created on first use in <c>schema</c>.</summary>
public sealed class PostgresJournal(string connectionString, string schema = "public") : SqlJournal
{
    private readonly PostgresDatabase _database = new(connectionString, schema);

    public string Schema => _database.Schema;

    private protected override string EventsTable => _database.EventsTable;
    private protected override string HighestTable => _database.HighestTable;

    // PostgreSQL's row locks order concurrent writers; no in-process gate needed.
    private protected override SemaphoreSlim? WriteGate => null;

    private protected override Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => _database.OpenAsync(cancellationToken);

    private protected override bool IsUniqueViolation(DbException exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    public override ValueTask DisposeAsync() => _database.DisposeAsync();
}
