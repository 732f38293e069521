using System.Collections.Concurrent;
using System.Diagnostics;
using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.Remote;
using ActorCodistill.Cluster.Remoting;
using Xunit.Sdk;

namespace ActorCodistill.TestKit.MultiNode;

/// <summary>
/// N actor systems with remoting in one test process, each on its own loopback port (port 0, so parallel tests never
/// collide). Every wait has a timeout scaled by CODISTILL_TEST_DILATION. The "node gone" decision of remote deathwatch
/// runs on <see cref="FailureClock"/>, a manual clock shared by all nodes: a killed node is declared gone exactly when
/// the test advances it, never because a busy machine was slow.
/// </summary>
public sealed class MultiNodeCluster : IDisposable, IAsyncDisposable
{
    private readonly List<ClusterNode> _nodes = [];
    private readonly MultiNodeOptions _options;
    private readonly ConcurrentDictionary<(int Node, string Barrier), TaskCompletionSource> _barriers = new();
    private readonly object _gate = new();

    private MultiNodeCluster(MultiNodeOptions options)
    {
        _options = options;
        DilationFactor = ReadDilation();
    }

    public ManualTimeProvider FailureClock { get; } = new();

    public double DilationFactor { get; }

    /// <summary>Every node ever started, including killed ones and those added with <see cref="AddNode"/>.</summary>
    public int Count
    {
        get { lock (_gate) return _nodes.Count; }
    }

    public static MultiNodeCluster Start(int count, string secret, MultiNodeOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var cluster = new MultiNodeCluster(options ?? new MultiNodeOptions());
        try
        {
            for (var i = 0; i < count; i++) cluster.AddNode(secret);
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
        return cluster;
    }

    /// <summary>Starts one more node (a late joiner, or a stranger when <paramref name="secret"/> differs) and returns its index.</summary>
    public int AddNode(string secret)
    {
        var logs = new CapturingLogSink(_options.EchoLogs);
        var remote = new RemoteSettings { SystemName = _options.SystemName, Hostname = "127.0.0.1", Port = 0, Secret = secret };
        if (_options.ConfigureRemote is { } configure) remote = configure(remote);
        var remoting = RemoteActorSystem.Start(remote,
            new ActorSystemSettings { LogSink = logs, LogLevel = _options.LogLevel },
            remoting: _options.Remoting, failureClock: FailureClock);
        lock (_gate)
        {
            var index = _nodes.Count;
            var barrier = remoting.System.SystemActorOf(Props.Create(() => new BarrierActor(name => OnBarrierPassed(index, name))), BarrierActor.Name);
            _nodes.Add(new ClusterNode(index, remoting, logs, barrier));
            return index;
        }
    }

    public ClusterNode Node(int index)
    {
        lock (_gate)
        {
            if (index < 0 || index >= _nodes.Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"the cluster has nodes 0..{_nodes.Count - 1}");
            return _nodes[index];
        }
    }

    public IReadOnlyList<ClusterNode> RunningNodes
    {
        get { lock (_gate) return _nodes.Where(n => n.IsRunning).ToArray(); }
    }

    public TimeSpan Dilated(TimeSpan duration) => TimeSpan.FromTicks((long)(duration.Ticks * DilationFactor));

    public TimeSpan DefaultTimeout => Dilated(TimeSpan.FromSeconds(10));

    /// <summary>Abrupt, like kill -9: sockets dropped with no goodbye, then the node's actors stopped locally.</summary>
    public void Kill(int index)
    {
        var node = Node(index);
        node.IsRunning = false;
        Wait(node.Remoting.AbortAsync(), $"killing {node}");
    }

    /// <summary>Graceful: actors stop first (deathwatch notifications queued to peers), then the transport.</summary>
    public void Shutdown(int index)
    {
        var node = Node(index);
        node.IsRunning = false;
        Wait(node.Remoting.ShutdownAsync(), $"shutting down {node}");
    }

    /// <summary>Waits until node <paramref name="from"/>'s control channel to node <paramref name="to"/> is up (it starts connecting).</summary>
    public void AwaitAssociated(int from, int to)
    {
        var source = Node(from);
        var target = Node(to);
        Wait(source.Remoting.WhenAssociated(target.Address), $"{source} associating with {target}");
    }

    /// <summary>Every running node associated with every other, both ways.</summary>
    public void AwaitAssociated()
    {
        var running = RunningNodes;
        foreach (var a in running)
            foreach (var b in running)
                if (a.Index != b.Index) AwaitAssociated(a.Index, b.Index);
    }

    /// <summary>Waits until node <paramref name="from"/> has seen its control channel to node <paramref name="to"/> go down.</summary>
    public void AwaitDisassociated(int from, int to)
    {
        var source = Node(from);
        var target = Node(to);
        AwaitCondition(() => !source.Remoting.IsAssociated(target.Address), $"{source} noticing {target} is gone");
    }

    /// <summary>
    /// Every running node enters barrier <paramref name="name"/> through its barrier actor; returns once the coordinator
    /// (lowest running node) has seen all of them over remoting and each node has been released.
    /// </summary>
    public void Barrier(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var running = RunningNodes;
        if (running.Count == 0) throw new InvalidOperationException($"barrier '{name}': no node is running");
        var coordinator = running[0];
        var coordinatorPath = coordinator.Barrier.Path.ToString();
        var waits = running.ToDictionary(n => n.Index, n => _barriers.GetOrAdd((n.Index, name), _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task);
        coordinator.Barrier.Tell(new ExpectBarrier(name, running.ToDictionary(n => n.Index, n => n.Barrier.Path.ToString())));
        foreach (var node in running) node.Barrier.Tell(new EnterBarrier(name, node.Index, coordinatorPath));
        var all = Task.WhenAll(waits.Values);
        if (!all.Wait(DefaultTimeout))
        {
            var missing = string.Join(", ", waits.Where(w => !w.Value.IsCompleted).Select(w => w.Key));
            throw new XunitException($"barrier '{name}' not passed within {DefaultTimeout.TotalMilliseconds:0} ms; nodes not released: {missing}");
        }
        foreach (var node in running) _barriers.TryRemove((node.Index, name), out _);
    }

    /// <summary>Polls <paramref name="condition"/> until true; throws naming <paramref name="what"/> after the (dilated) timeout.</summary>
    public void AwaitCondition(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var limit = timeout is { } t ? Dilated(t) : DefaultTimeout;
        var stop = Stopwatch.StartNew();
        var pause = 1;
        while (!condition())
        {
            if (stop.Elapsed > limit) throw new XunitException($"timed out after {limit.TotalMilliseconds:0} ms waiting for {what}");
            Thread.Sleep(pause);
            pause = Math.Min(pause * 2, 50);
        }
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        ClusterNode[] nodes;
        lock (_gate) nodes = [.. _nodes];
        foreach (var node in nodes) node.IsRunning = false;
        // All at once, and with room for a process whose thread pool other tests keep busy: one at a time, three
        // slow aborts added up past the limit.
        await Task.WhenAll(nodes.Select(n => n.Remoting.AbortAsync())).WaitAsync(DefaultTimeout * 3).ConfigureAwait(false);
    }

    private void OnBarrierPassed(int node, string name) =>
        _barriers.GetOrAdd((node, name), _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private void Wait(Task task, string what)
    {
        try
        {
            if (!task.Wait(DefaultTimeout)) throw new XunitException($"timed out after {DefaultTimeout.TotalMilliseconds:0} ms {what}");
        }
        catch (AggregateException e) when (e.InnerException is not null)
        {
            throw new XunitException($"{what} failed: {e.InnerException.Message}");
        }
    }

    private static double ReadDilation()
    {
        var text = Environment.GetEnvironmentVariable(ActorTestKit.DilationVariable);
        return double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value) && value > 0 ? value : 1.0;
    }
}
