namespace ActorCodistill.Cluster.Tests.Persistence;

/// <summary>
/// Where the PostgreSQL tests find their server: <c>CODISTILL_PG</c>, else the file that
/// <c>deploy/pg-test.sh start</c> writes. Without either they are skipped on a developer machine
/// and fail (with this explanation) when <c>CI</c> is set, so CI cannot silently lose them.
/// </summary>
internal static class PostgresTestDatabase
{
    public const string EnvironmentVariable = "CODISTILL_PG";
    public const string ConnectionFile = "/tmp/codistill-pg/conn";

    public static string? ConnectionString { get; } = Resolve();

    private static bool InCi => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));

    public static string? SkipReason =>
        ConnectionString is null && !InCi
            ? $"PostgreSQL not available: set {EnvironmentVariable} or run deploy/pg-test.sh start (with CI set these tests fail instead)"
            : null;

    public static string Require() =>
        ConnectionString ?? throw new InvalidOperationException(
            $"CI is set but {EnvironmentVariable} is not and {ConnectionFile} does not exist: " +
            "the test runner must run deploy/pg-test.sh start and export CODISTILL_PG");

    private static string? Resolve()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
            return fromEnvironment.Trim();
        if (File.Exists(ConnectionFile))
        {
            var fromFile = File.ReadAllText(ConnectionFile).Trim();
            return fromFile.Length > 0 ? fromFile : null;
        }
        return null;
    }
}

/// <summary>A fact that needs PostgreSQL: skipped (with the reason) when none is configured and CI is unset.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (PostgresTestDatabase.SkipReason is { } reason)
            Skip = reason;
    }
}
