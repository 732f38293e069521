using ActorCodistill.Cluster.Actors;

namespace ActorCodistill.TestKit;

/// <summary>Keeps log events for assertions; optionally also writes them to stderr.</summary>
public sealed class CapturingLogSink(bool echoToStderr = false) : ILogSink
{
    private readonly object _lock = new();
    private readonly List<LogEvent> _events = new();
    private readonly ConsoleLogSink _console = new();

    public IReadOnlyList<LogEvent> Events
    {
        get
        {
            lock (_lock)
            {
                return _events.ToArray();
            }
        }
    }

    public void Write(LogEvent logEvent)
    {
        lock (_lock)
        {
            _events.Add(logEvent);
        }
        if (echoToStderr)
        {
            _console.Write(logEvent);
        }
    }
}
