namespace ActorCodistill.Cluster.Remote;

public enum RemoteLogLevel
{
    Debug,
    Info,
    Warning,
    Error,
}

/// <summary>
/// The one logging hook of the remoting layer; the actor runtime adapts its own logger to it.
/// Implementations must be thread-safe: connections log from pool threads.
/// </summary>
public interface IRemoteLogSink
{
    void Log(RemoteLogLevel level, string message);
}

public static class RemoteLogSink
{
    public static IRemoteLogSink Null { get; } = new ActionSink(static (_, _) => { });

    public static IRemoteLogSink FromAction(Action<RemoteLogLevel, string> log) => new ActionSink(log);

    private sealed class ActionSink(Action<RemoteLogLevel, string> log) : IRemoteLogSink
    {
        public void Log(RemoteLogLevel level, string message) => log(level, message);
    }
}
