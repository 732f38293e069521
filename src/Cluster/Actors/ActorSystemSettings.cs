namespace ActorCodistill.Cluster.Actors;

public sealed record ActorSystemSettings
{
    /// <summary>User messages an actor processes before its thread-pool thread is handed back.</summary>
    public int Throughput { get; init; } = 30;

    public MailboxSettings DefaultMailbox { get; init; } = MailboxSettings.Unbounded;

    public ILogSink LogSink { get; init; } = new ConsoleLogSink();

    public LogLevel LogLevel { get; init; } = LogLevel.Info;

    public TimeSpan DefaultAskTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan ShutdownPhaseTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Dead letters logged one by one before logging goes quiet (they are still counted and published).</summary>
    public int DeadLettersLogLimit { get; init; } = 10;

    /// <summary>Host and port for the address when the system is reachable remotely; null for local.</summary>
    public string? Host { get; init; }

    public int? Port { get; init; }

    public static ActorSystemSettings Default { get; } = new();
}
