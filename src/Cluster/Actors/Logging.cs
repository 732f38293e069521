
namespace ActorCodistill.Cluster.Actors;

public enum LogLevel
{
    Debug,
    Info,
    Warning,
    Error,
}

/// <summary>One log line: time from the system's TimeProvider, source is an actor path.</summary>
public sealed record LogEvent(DateTimeOffset Timestamp, LogLevel Level, string Source, string Message,
    Exception? Exception, int ThreadId)
{
    public override string ToString() =>
        Diagnostics.LogLine.Format(Timestamp, Level.ToString().ToUpperInvariant(), Source, ThreadId, Message, Exception);
}

/// <summary>Where log events go; must be thread-safe.</summary>
public interface ILogSink
{
    void Write(LogEvent logEvent);
}

/// <summary>Writes lines to stderr.</summary>
public sealed class ConsoleLogSink : ILogSink
{
    private static readonly object Gate = new();

    public void Write(LogEvent logEvent)
    {
        var text = logEvent.ToString();
        lock (Gate)
        {
            Console.Error.WriteLine(text);
        }
    }
}

public interface ILoggingAdapter
{
    bool IsEnabled(LogLevel level);

    void Log(LogLevel level, Exception? exception, string message);

    void Debug(string message) => Log(LogLevel.Debug, null, message);

    void Info(string message) => Log(LogLevel.Info, null, message);

    void Warning(string message) => Log(LogLevel.Warning, null, message);

    void Warning(Exception exception, string message) => Log(LogLevel.Warning, exception, message);

    void Error(string message) => Log(LogLevel.Error, null, message);

    void Error(Exception exception, string message) => Log(LogLevel.Error, exception, message);
}

internal sealed class LoggingAdapter(ILogSink sink, LogLevel minimum, string source, TimeProvider time)
    : ILoggingAdapter
{
    public bool IsEnabled(LogLevel level) => level >= minimum;

    public void Log(LogLevel level, Exception? exception, string message)
    {
        if (level < minimum)
        {
            return;
        }
        try
        {
            sink.Write(new LogEvent(time.GetUtcNow(), level, source, message, exception,
                Environment.CurrentManagedThreadId));
        }
        catch (Exception)
        {
            // A failing sink must not turn a log call into an actor failure.
        }
    }
}
