using System.Data.Common;

namespace ActorCodistill.Cluster.Persistence;

internal static class SqlCommandExtensions
{
    public static DbCommand Command(this DbConnection connection, string sql, DbTransaction? transaction = null)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    public static DbParameter Add(this DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
        return parameter;
    }

    public static void ValidatePersistenceId(string persistenceId)
    {
        if (string.IsNullOrWhiteSpace(persistenceId))
            throw new ArgumentException("persistence id must be a non-empty string", nameof(persistenceId));
    }
}
