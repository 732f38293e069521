namespace ActorCodistill.Cluster.Persistence;

/// <summary>The journal and snapshot store of one plugin; disposing closes both.</summary>
public sealed record PersistenceStores(IJournal Journal, ISnapshotStore Snapshots) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        await Journal.DisposeAsync().ConfigureAwait(false);
        await Snapshots.DisposeAsync().ConfigureAwait(false);
    }
}

public static class PersistenceFactory
{
    /// <summary>
    /// Builds the stores named by <paramref name="settings"/>. Nothing touches the database yet:
    /// the schema is created on first use, so a bad path or unreachable server surfaces then,
    /// as an <see cref="IOException"/> naming the file or host and the key.
    /// </summary>
    /// <exception cref="PersistenceConfigurationException">Unknown plugin or a missing/invalid key for the chosen one.</exception>
    public static PersistenceStores Create(
        PersistenceSettings settings,
        TimeProvider? timeProvider = null,
        Action<CorruptSnapshot>? onCorruptSnapshot = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var options = new SnapshotStoreOptions { KeepNewest = settings.SnapshotKeep, TimeProvider = timeProvider ?? TimeProvider.System };
        if (onCorruptSnapshot is not null)
            options = options with { OnCorruptSnapshot = onCorruptSnapshot };
        options.Validate();

        var journalKind = ParsePlugin(settings.Plugin, PersistenceSettings.PluginKey);
        var snapshotKind = settings.SnapshotPlugin is null ? journalKind : ParsePlugin(settings.SnapshotPlugin, PersistenceSettings.SnapshotPluginKey);
        if (journalKind == Plugin.Sqlite || snapshotKind == Plugin.Sqlite)
            RequireSet(settings.SqlitePath, PersistenceSettings.SqlitePathKey, "the SQLite file to use");
        if (journalKind == Plugin.Postgres || snapshotKind == Plugin.Postgres)
            RequireSet(settings.PostgresConnectionString, PersistenceSettings.PostgresConnectionStringKey, "an Npgsql connection string");

        IJournal journal = journalKind == Plugin.Sqlite
            ? new SqliteJournal(settings.SqlitePath!)
            : new PostgresJournal(settings.PostgresConnectionString!, settings.PostgresSchema);
        ISnapshotStore snapshots = snapshotKind == Plugin.Sqlite
            ? new SqliteSnapshotStore(settings.SqlitePath!, options)
            : new PostgresSnapshotStore(settings.PostgresConnectionString!, settings.PostgresSchema, options);
        return new PersistenceStores(journal, snapshots);
    }

    private enum Plugin { Sqlite, Postgres }

    private static Plugin ParsePlugin(string? value, string key)
    {
        var plugin = value?.Trim() ?? "";
        if (plugin.Equals(PersistenceSettings.SqlitePlugin, StringComparison.OrdinalIgnoreCase))
            return Plugin.Sqlite;
        if (plugin.Equals(PersistenceSettings.PostgresPlugin, StringComparison.OrdinalIgnoreCase))
            return Plugin.Postgres;
        throw new PersistenceConfigurationException(key,
            $"{key} = '{value}' is not a known persistence plugin; use \"{PersistenceSettings.SqlitePlugin}\" or \"{PersistenceSettings.PostgresPlugin}\"");
    }

    private static void RequireSet(string? value, string key, string what)
    {
        if (string.IsNullOrWhiteSpace(value))
            throw new PersistenceConfigurationException(key, $"{key} is not set; the chosen persistence plugin needs {what}");
    }
}
