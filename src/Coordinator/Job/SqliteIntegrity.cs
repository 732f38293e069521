using Microsoft.Data.Sqlite;

namespace ActorCodistill.Coordinator.Job;

/// <summary>Whether a SQLite file is a database SQLite can read whole (its <c>quick_check</c>), checked without changing it.</summary>
public static class SqliteIntegrity
{
    /// <returns>Null when the file reads as a sound database; otherwise what SQLite says is wrong.</returns>
    public static string? Check(string path)
    {
        try
        {
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
            {
                DataSource = path,
                Mode = SqliteOpenMode.ReadOnly,
                Pooling = false,
            }.ToString());
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA quick_check;";
            var results = new List<string>();
            using (var reader = command.ExecuteReader())
                while (reader.Read()) results.Add(reader.GetString(0));
            return results is ["ok"] ? null : string.Join("; ", results.Take(5));
        }
        catch (SqliteException e)
        {
            return e.Message;
        }
    }
}
