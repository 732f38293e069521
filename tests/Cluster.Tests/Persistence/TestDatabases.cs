using Microsoft.Data.Sqlite;
using Npgsql;

namespace ActorCodistill.Cluster.Tests.Persistence;

/// <summary>One test's own PostgreSQL schema (deploy/pg-test.sh's server), dropped on dispose if it was used.</summary>
internal sealed class PostgresTestSchema(string prefix) : IAsyncDisposable
{
    private string? _connectionString;

    public string Schema { get; } = $"{prefix}_{Guid.NewGuid():N}";

    public string ConnectionString => _connectionString ??= PostgresTestDatabase.Require();

    /// <summary>Runs raw SQL with @id/@seq/@blob parameters (tests damage rows behind the store's back).</summary>
    public async Task ExecuteSqlAsync(string sql, string id, long seq, byte[] blob)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("seq", seq);
        command.Parameters.AddWithValue("blob", blob);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_connectionString is null)
            return;
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {Schema} CASCADE", connection);
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>One test's own SQLite file in a fresh temp folder, deleted with the folder on dispose.</summary>
internal sealed class SqliteTestFile(string folder, string relativePath = "journal.db") : IDisposable
{
    public string Directory { get; } = Path.Combine(Path.GetTempPath(), folder, Guid.NewGuid().ToString("N"));

    public string DatabasePath => Path.Combine(Directory, relativePath);

    /// <summary>Runs raw SQL with @id/@seq/@blob parameters (tests damage rows behind the store's back).</summary>
    public async Task ExecuteSqlAsync(string sql, string id, long seq, byte[] blob)
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("@id", id);
        command.Parameters.AddWithValue("@seq", seq);
        command.Parameters.AddWithValue("@blob", blob);
        await command.ExecuteNonQueryAsync();
    }

    public void Dispose()
    {
        if (System.IO.Directory.Exists(Directory))
            System.IO.Directory.Delete(Directory, recursive: true);
    }
}
