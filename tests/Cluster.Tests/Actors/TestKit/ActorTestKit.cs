using System.Diagnostics;
using System.Globalization;
using ActorCodistill.Cluster.Actors;
using Xunit.Sdk;

namespace ActorCodistill.TestKit;

/// <summary>
/// xunit base class: one ActorSystem per test (xunit creates one instance per test), terminated in Dispose.
/// Logs are captured in <see cref="LogSink"/> instead of going to stderr. Waits scale with
/// CODISTILL_TEST_DILATION (default 1).
/// <para>
/// The own actor runtime's test kit (formerly src/TestKit), for the own runtime's tests only: the product's actors are
/// tested with Akka.TestKit.Xunit2. It stays, with src/Cluster/Actors, only while src/Cluster/Persistence's own
/// ReceivePersistentActor and its tests (PersistentActorContractTests, PersistenceExtensionTests) do, and goes with
/// them when the coordinator's journal moves onto Akka.Persistence.Sql (docs/akka.md).
/// </para>
/// </summary>
public abstract class ActorTestKit : IDisposable
{
    public const string DilationVariable = "CODISTILL_TEST_DILATION";

    private bool _disposed;

    protected ActorTestKit(TimeProvider? timeProvider = null, ActorSystemSettings? settings = null, string? systemName = null)
    {
        DilationFactor = ReadDilation();
        LogSink = new CapturingLogSink();
        var effective = (settings ?? new ActorSystemSettings()) with { LogSink = LogSink };
        Sys = ActorSystem.Create(systemName ?? "test", effective, timeProvider);
        TestActor = CreateTestProbe("testActor");
    }

    public ActorSystem Sys { get; }

    public CapturingLogSink LogSink { get; }

    /// <summary>A default probe, created with the system.</summary>
    public TestProbe TestActor { get; }

    public double DilationFactor { get; }

    public TimeSpan DefaultTimeout => Dilated(TimeSpan.FromSeconds(3));

    public TestProbe CreateTestProbe(string? name = null) => new(Sys, name, DilationFactor);

    public IActorRef ActorOf(Props props, string? name = null) => Sys.ActorOf(props, name);

    public IActorRef ActorOf<T>(string? name = null)
        where T : ActorBase => Sys.ActorOf(Props.Create<T>(), name);

    public TimeSpan Dilated(TimeSpan duration) => TimeSpan.FromTicks((long)(duration.Ticks * DilationFactor));

    /// <summary>Retries <paramref name="assertion"/> with a short backoff until it passes or the time is up.</summary>
    public void AwaitAssert(Action assertion, TimeSpan? timeout = null)
    {
        var limit = timeout is { } t ? Dilated(t) : DefaultTimeout;
        var stop = Stopwatch.StartNew();
        var pause = 1;
        while (true)
        {
            try
            {
                assertion();
                return;
            }
            catch (Exception) when (stop.Elapsed < limit)
            {
                Thread.Sleep(pause);
                pause = Math.Min(pause * 2, 50);
            }
        }
    }

    public void AwaitCondition(Func<bool> condition, TimeSpan? timeout = null, string? message = null)
    {
        var limit = timeout is { } t ? Dilated(t) : DefaultTimeout;
        var stop = Stopwatch.StartNew();
        var pause = 1;
        while (!condition())
        {
            if (stop.Elapsed > limit)
            {
                throw new XunitException($"Condition not met within {limit.TotalMilliseconds:0} ms{(message is null ? "" : ": " + message)}.");
            }
            Thread.Sleep(pause);
            pause = Math.Min(pause * 2, 50);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing && !Sys.Terminate().Wait(TimeSpan.FromSeconds(10 * DilationFactor)))
        {
            throw new XunitException($"Actor system {Sys.Name} did not terminate within {10 * DilationFactor} s.");
        }
    }

    private static double ReadDilation()
    {
        var text = Environment.GetEnvironmentVariable(DilationVariable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return 1.0;
        }
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var factor) || factor <= 0)
        {
            throw new InvalidOperationException($"{DilationVariable}='{text}' is not a positive number.");
        }
        return factor;
    }
}
