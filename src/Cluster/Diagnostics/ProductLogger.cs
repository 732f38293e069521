using System.Runtime.CompilerServices;
using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;

namespace ActorCodistill.Cluster.Diagnostics;

/// <summary>One log event of an Akka node, as the product writes it (<see cref="LogLine"/>).</summary>
public sealed record ProductLogRecord(DateTimeOffset Timestamp, string Level, string Source, int ThreadId, string Message, Exception? Cause)
{
    public override string ToString() => LogLine.Format(Timestamp, Level, Source, ThreadId, Message, Cause);
}

/// <summary>
/// Akka's logger for product nodes (<c>akka.loggers</c>, set by AkkaNode): every Akka log event, the product's actors'
/// and Akka's own, becomes one line in the product's format on stderr, or goes to the sink attached to the node's
/// ActorSystem (<see cref="Attach"/>: tests, a host that keeps its own log).
/// </summary>
public sealed class ProductLogger : ReceiveActor, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    private static readonly ConditionalWeakTable<ActorSystem, Action<ProductLogRecord>> Sinks = new();
    private static readonly Lock ConsoleGate = new();

    public ProductLogger()
    {
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        Receive<LogEvent>(e =>
        {
            var level = e.LogLevel() switch
            {
                LogLevel.DebugLevel => "DEBUG",
                LogLevel.InfoLevel => "INFO",
                LogLevel.WarningLevel => "WARNING",
                _ => "ERROR",
            };
            var record = new ProductLogRecord(new DateTimeOffset(e.Timestamp.ToUniversalTime(), TimeSpan.Zero), level, e.LogSource, e.Thread.ManagedThreadId,
                Text(e.Message), e.Cause);
            if (Sinks.TryGetValue(Context.System, out var sink))
            {
                // A failing sink must not take the logger down (the node would lose its log).
                try
                {
                    sink(record);
                }
                catch (Exception)
                {
                }
                return;
            }
            var text = record.ToString();
            lock (ConsoleGate) Console.Error.WriteLine(text);
        });
    }

    // A message whose text has braces but no arguments (an interpolated string) must still be logged, as it is.
    private static string Text(object? message)
    {
        try
        {
            return message?.ToString() ?? "";
        }
        catch (FormatException)
        {
            return message is LogMessage m ? m.Format : message?.GetType().Name ?? "";
        }
    }

    /// <summary>From now on <paramref name="system"/>'s log events go to <paramref name="sink"/> instead of stderr.</summary>
    public static void Attach(ActorSystem system, Action<ProductLogRecord> sink) => Sinks.AddOrUpdate(system, sink);
}
