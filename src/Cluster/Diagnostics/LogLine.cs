using System.Globalization;

namespace ActorCodistill.Cluster.Diagnostics;

/// <summary>
/// The product's log line: <c>2026-12-07T15:24:52.769Z [INFO] [source] [t81] message</c> (UTC time, level, the actor
/// path or component, the managed thread), then the exception on the following lines. One format for every runtime the
/// product's actors run on, so logs read and grep the same.
/// </summary>
public static class LogLine
{
    public static string Format(DateTimeOffset timestamp, string level, string source, int threadId, string message, Exception? exception)
    {
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{timestamp.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ} [{level}] [{source}] [t{threadId}] {message}");
        return exception is null ? line : line + Environment.NewLine + exception;
    }
}
