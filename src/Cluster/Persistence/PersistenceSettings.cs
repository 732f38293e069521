using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace ActorCodistill.Cluster.Persistence;

/// <summary>
/// Which journal/snapshot plugin to use and where its data lives. Validated by
/// <see cref="PersistenceFactory.Create"/>; errors name the configuration key to fix.
/// </summary>
/// <param name="Plugin">"sqlite" (embedded default) or "postgres".</param>
/// <param name="SqlitePath">SQLite file for both journal and snapshots (plugin "sqlite").</param>
/// <param name="PostgresConnectionString">Npgsql connection string (plugin "postgres").</param>
public sealed record PersistenceSettings(string Plugin, string? SqlitePath = null, string? PostgresConnectionString = null)
{
    public const string PluginKey = "persistence.journal.plugin";
    public const string SqlitePathKey = "persistence.journal.sqlite.path";
    public const string PostgresConnectionStringKey = "persistence.journal.postgres.connection-string";
    public const string PostgresSchemaKey = "persistence.journal.postgres.schema";
    public const string SnapshotPluginKey = "persistence.snapshot-store.plugin";
    public const string SnapshotKeepKey = "persistence.snapshot-store.keep";

    public const string SqlitePlugin = "sqlite";
    public const string PostgresPlugin = "postgres";

    /// <summary>Plugin of the snapshot store; null means the journal's. Both use the connection settings above.</summary>
    public string? SnapshotPlugin { get; init; }

    /// <summary>PostgreSQL schema holding the tables; lets several jobs share one database.</summary>
    public string PostgresSchema { get; init; } = "public";

    /// <summary>Snapshots kept per id after each save (null: all). 2+ leaves a fallback if the newest is corrupt.</summary>
    public int? SnapshotKeep { get; init; } = 3;

    /// <summary>
    /// Reads the keys above from configuration (HOCON <c>persistence.journal.plugin</c> arrives as
    /// <c>persistence:journal:plugin</c>). A missing plugin means the embedded default, "sqlite".
    /// </summary>
    public static PersistenceSettings FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        string? Get(string key) => configuration[key.Replace('.', ':')];

        var keepText = Get(SnapshotKeepKey);
        int? keep = 3;
        if (!string.IsNullOrWhiteSpace(keepText))
        {
            if (!int.TryParse(keepText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) || parsed < 0)
                throw new PersistenceConfigurationException(SnapshotKeepKey,
                    $"{SnapshotKeepKey} = '{keepText}' is not a whole number >= 0 (0 keeps every snapshot)");
            keep = parsed == 0 ? null : parsed;
        }

        return new PersistenceSettings(
            Get(PluginKey) ?? SqlitePlugin,
            Get(SqlitePathKey),
            Get(PostgresConnectionStringKey))
        {
            SnapshotPlugin = Get(SnapshotPluginKey),
            PostgresSchema = Get(PostgresSchemaKey) ?? "public",
            SnapshotKeep = keep,
        };
    }
}

/// <summary>Bad persistence settings; <see cref="Key"/> names the configuration key to fix.</summary>
public sealed class PersistenceConfigurationException(string key, string message) : Exception(message)
{
    public string Key { get; } = key;
}
