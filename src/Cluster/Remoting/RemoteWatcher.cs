using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.Remote;
using ActorCodistill.Cluster.Remote.Protocol;
using ActorCodistill.Cluster.Remoting.Protocol;

namespace ActorCodistill.Cluster.Remoting;

/// <summary>
/// Remote deathwatch for one node. Outbound: local actors watching remote ones (Watch goes to the remote node,
/// its RemoteDeathWatchNotification comes back and is handed to the watcher as the ref it watched). Inbound: remote
/// actors watching local ones (the local actor keeps the RemoteActorRef among its watchers and tells it when it
/// stops). A watched node declared gone ends every outbound watch on it with AddressTerminated and drops its
/// inbound watches. Nodes with a bulk outbox are checked by the same rule, and a gone one's outbox is dropped. "Gone" is decided on <see cref="Check"/>, which a timer on the injected failure clock runs.
/// </summary>
internal sealed class RemoteWatcher : IDisposable
{
    private readonly RemoteActorSystem _remoting;
    private readonly RemotingSettings _settings;
    private readonly TimeProvider _clock;
    private readonly object _gate = new();
    private readonly List<(RemoteActorRef Watchee, InternalActorRef Watcher)> _outbound = [];
    private readonly List<(InternalActorRef Watchee, RemoteActorRef Watcher)> _inbound = [];
    private NodeLivenessState _liveness = NodeLivenessState.Empty;
    private ITimer? _timer;

    public RemoteWatcher(RemoteActorSystem remoting, RemotingSettings settings, TimeProvider clock)
    {
        _remoting = remoting;
        _settings = settings;
        _clock = clock;
    }

    public void Start() => _timer = _clock.CreateTimer(_ => Check(), null, _settings.CheckInterval, _settings.CheckInterval);

    public int WatchCount
    {
        get { lock (_gate) return _outbound.Count + _inbound.Count; }
    }

    public void WatchRemote(RemoteActorRef watchee, InternalActorRef watcher)
    {
        lock (_gate)
        {
            if (_outbound.Contains((watchee, watcher))) return;
            _outbound.Add((watchee, watcher));
        }
        _remoting.SendSystem(watchee.Node, watchee.Path, new RemoteWatch
        {
            Watchee = watchee.Path.ToStringWithUid(), Watcher = watcher.Path.ToStringWithUid(),
        });
    }

    public void UnwatchRemote(RemoteActorRef watchee, InternalActorRef watcher)
    {
        lock (_gate)
        {
            if (!_outbound.Remove((watchee, watcher))) return;
        }
        _remoting.SendSystem(watchee.Node, watchee.Path, new RemoteUnwatch
        {
            Watchee = watchee.Path.ToStringWithUid(), Watcher = watcher.Path.ToStringWithUid(),
        });
    }

    /// <summary>A local actor stopped (or never existed) and <paramref name="watcher"/> on another node watched it.</summary>
    public void NotifyRemoteWatcher(RemoteActorRef watcher, DeathWatchNotification notification)
    {
        lock (_gate) _inbound.RemoveAll(e => e.Watcher.Equals(watcher) && e.Watchee.Equals(notification.Actor));
        _remoting.SendSystem(watcher.Node, watcher.Path, new RemoteDeathWatchNotification
        {
            Actor = _remoting.PathOf(notification.Actor),
            Watcher = watcher.Path.ToStringWithUid(),
            ExistenceConfirmed = notification.ExistenceConfirmed,
            AddressTerminated = notification.AddressTerminated,
        });
    }

    public void OnRemoteWatch(UniqueRemoteAddress from, RemoteWatch watch)
    {
        if (!TryParse(from, watch.Watcher, "watcher", out var watcherPath) || !TryParse(from, watch.Watchee, "watchee", out var watcheePath)) return;
        var watcher = new RemoteActorRef(_remoting, watcherPath);
        if (_remoting.ResolveLocal(watcheePath) is not { } watchee)
        {
            // Akka's answer for a watchee that is not there: Terminated at once, existence not confirmed.
            _remoting.SendSystem(watcher.Node, watcherPath, new RemoteDeathWatchNotification
            {
                Actor = watch.Watchee, Watcher = watch.Watcher, ExistenceConfirmed = false,
            });
            return;
        }
        lock (_gate) _inbound.Add((watchee, watcher));
        watchee.SendSystemMessage(new Watch(watchee, watcher));
    }

    public void OnRemoteUnwatch(UniqueRemoteAddress from, RemoteUnwatch unwatch)
    {
        if (!TryParse(from, unwatch.Watcher, "watcher", out var watcherPath) || !TryParse(from, unwatch.Watchee, "watchee", out var watcheePath)) return;
        var watcher = new RemoteActorRef(_remoting, watcherPath);
        if (_remoting.ResolveLocal(watcheePath) is not { } watchee) return;
        lock (_gate) _inbound.RemoveAll(e => e.Watcher.Equals(watcher) && e.Watchee.Equals(watchee));
        watchee.SendSystemMessage(new Unwatch(watchee, watcher));
    }

    public void OnRemoteDeathWatchNotification(UniqueRemoteAddress from, RemoteDeathWatchNotification notification)
    {
        if (!TryParse(from, notification.Actor, "actor", out var actorPath)) return;
        List<(RemoteActorRef Watchee, InternalActorRef Watcher)> matched;
        lock (_gate)
        {
            // The watcher may have watched a ref without uid; the notification names the incarnation that stopped.
            matched = _outbound.FindAll(e => e.Watcher.Path.ToStringWithUid() == notification.Watcher
                                             && e.Watchee.Path.Equals(actorPath)
                                             && (e.Watchee.Path.Uid == 0 || e.Watchee.Path.Uid == actorPath.Uid));
            foreach (var entry in matched) _outbound.Remove(entry);
        }
        foreach (var (watchee, watcher) in matched)
        {
            watcher.SendSystemMessage(new DeathWatchNotification(watchee, notification.ExistenceConfirmed, notification.AddressTerminated));
        }
    }

    public void OnAssociationEvent(AssociationEvent e)
    {
        switch (e)
        {
            case Associated { Channel: ChannelKind.Control, Inbound: false } a:
                lock (_gate) _liveness = _liveness.Up(a.Peer);
                break;
            case Disassociated { Channel: ChannelKind.Control, Inbound: false } d:
                var now = _clock.GetUtcNow();
                lock (_gate) _liveness = _liveness.Down(d.Peer, now);
                break;
            case Quarantined q:
                NodeGone(q.Peer, $"quarantined: {q.Reason}");
                break;
        }
    }

    /// <summary>Declares watched nodes gone whose control channel has been down too long or whose detector gave up.</summary>
    public void Check()
    {
        try
        {
            var now = _clock.GetUtcNow();
            HashSet<RemoteAddress> nodes;
            lock (_gate)
            {
                nodes = [.. _outbound.Select(e => e.Watchee.Node), .. _inbound.Select(e => e.Watcher.Node)];
            }
            // Nodes we queue bulk messages for are judged by the same rule, so a gone node's outbox is dropped.
            nodes.UnionWith(_remoting.BulkPeers);
            foreach (var node in nodes)
            {
                var associated = _remoting.IsAssociated(node);
                var unavailable = _settings.UseFailureDetector && !_remoting.Transport.IsAvailable(node);
                bool gone;
                lock (_gate)
                {
                    // A node never reached (or not reconnected since) counts as down from the first check that sees it so.
                    _liveness = associated ? _liveness : _liveness.Down(node, now);
                    gone = _liveness.IsGone(node, now, _settings.UnreachableAfter, unavailable);
                }
                if (gone)
                {
                    NodeGone(node, unavailable ? "failure detector marks it unavailable" : $"control channel down for {_settings.UnreachableAfter}");
                }
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException)
        {
            // The transport shut down under us; nothing is left to watch.
        }
    }

    private void NodeGone(RemoteAddress node, string reason)
    {
        _remoting.DropBulkOutbox(node, $"node declared gone: {reason}");
        List<(RemoteActorRef Watchee, InternalActorRef Watcher)> outbound;
        List<(InternalActorRef Watchee, RemoteActorRef Watcher)> inbound;
        lock (_gate)
        {
            outbound = _outbound.FindAll(e => e.Watchee.Node.Equals(node));
            inbound = _inbound.FindAll(e => e.Watcher.Node.Equals(node));
            _outbound.RemoveAll(e => e.Watchee.Node.Equals(node));
            _inbound.RemoveAll(e => e.Watcher.Node.Equals(node));
        }
        if (outbound.Count == 0 && inbound.Count == 0) return;
        _remoting.System.Log.Warning($"node {node} declared gone ({reason}): {outbound.Count} watched actor(s) terminated, {inbound.Count} remote watcher(s) dropped");
        foreach (var (watchee, watcher) in outbound)
        {
            watcher.SendSystemMessage(new DeathWatchNotification(watchee, ExistenceConfirmed: true, AddressTerminated: true));
        }
        foreach (var (watchee, watcher) in inbound)
        {
            watchee.SendSystemMessage(new Unwatch(watchee, watcher));
        }
    }

    private bool TryParse(UniqueRemoteAddress from, string text, string what, out ActorPath path)
    {
        if (ActorPath.TryParse(text, out var parsed) && parsed is not null)
        {
            path = parsed;
            return true;
        }
        _remoting.System.Log.Warning($"dropped deathwatch message from {from}: {what} '{text}' is not an actor path");
        path = null!;
        return false;
    }

    public void Dispose() => _timer?.Dispose();
}
