using System.Collections.Concurrent;

namespace ActorCodistill.Cluster.Remote.FailureDetection;

/// <summary>One failure detector per monitored resource (peer address), created on its first heartbeat.</summary>
public sealed class DefaultFailureDetectorRegistry<T>(Func<IFailureDetector> detectorFactory) where T : notnull
{
    private readonly ConcurrentDictionary<T, IFailureDetector> _detectors = new();

    /// <summary>A resource never heard from is presumed available, as in Akka: absence of evidence is not failure.</summary>
    public bool IsAvailable(T resource) => !_detectors.TryGetValue(resource, out var detector) || detector.IsAvailable;

    public bool IsMonitoring(T resource) => _detectors.TryGetValue(resource, out var detector) && detector.IsMonitoring;

    public void HeartBeat(T resource) => _detectors.GetOrAdd(resource, static (_, factory) => factory(), detectorFactory).HeartBeat();

    public void Remove(T resource) => _detectors.TryRemove(resource, out _);

    public void Reset() => _detectors.Clear();

    public IFailureDetector? Get(T resource) => _detectors.TryGetValue(resource, out var detector) ? detector : null;
}
