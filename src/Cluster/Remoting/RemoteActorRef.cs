using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.Remote;

namespace ActorCodistill.Cluster.Remoting;

/// <summary>
/// A ref to an actor on another node. Tell serialises on the caller's thread (so an unserialisable or oversize message
/// throws there) and queues an Envelope on the control channel to that node, or, for a type registered with
/// <see cref="SerializerRegistry.AddBulk"/>, a transfer on that node's bulk outbox; deathwatch system messages become
/// RemoteWatch / RemoteUnwatch / RemoteDeathWatchNotification envelopes.
/// </summary>
internal sealed class RemoteActorRef : InternalActorRef
{
    private readonly RemoteActorSystem _remoting;

    public RemoteActorRef(RemoteActorSystem remoting, ActorPath path)
    {
        _remoting = remoting;
        Path = path;
        Node = RemoteActorSystem.ToRemoteAddress(path.Address);
    }

    public override ActorPath Path { get; }

    public override ActorSystem System => _remoting.System;

    /// <summary>The node this actor lives on.</summary>
    public RemoteAddress Node { get; }

    public override void Tell(object message, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        _remoting.SendUser(this, message, sender ?? ActorCell.Current?.SelfRef);
    }

    public override void SendSystemMessage(SystemMessage message)
    {
        switch (message)
        {
            case Watch w when w.Watchee.Equals(this):
                _remoting.Watcher.WatchRemote(this, w.Watcher);
                break;
            case Unwatch u when u.Watchee.Equals(this):
                _remoting.Watcher.UnwatchRemote(this, u.Watcher);
                break;
            case DeathWatchNotification n:
                // A local actor this remote actor watched has stopped.
                _remoting.Watcher.NotifyRemoteWatcher(this, n);
                break;
            default:
                _remoting.System.Log.Debug($"system message {message.GetType().Name} to remote actor {Path} ignored: remote supervision is not supported");
                break;
        }
    }
}
