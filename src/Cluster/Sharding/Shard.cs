using ActorCodistill.Cluster.Actors;

namespace ActorCodistill.Cluster.Sharding;

/// <summary>
/// One shard on its home node, child of the region: starts its entities on their first message (children named by
/// escaped entity id), passivates idle ones, and on handoff stops them all and then itself.
/// Phases: <c>Active</c> -> <c>HandingOff</c> (on <see cref="HandOffStop"/>) -> stopped.
/// An entity being stopped (passivation) keeps its new messages here and restarts once it has terminated, so no
/// message reaches a dying entity.
/// </summary>
internal sealed class Shard : ReceiveActor
{
    private readonly string _shardId;
    private readonly Func<string, Props> _entityProps;
    private readonly bool _pinned;
    private readonly TimeProvider _clock;
    private readonly Dictionary<string, IActorRef> _entities = new(StringComparer.Ordinal);
    private readonly Dictionary<IActorRef, string> _idOf = [];
    private readonly Dictionary<string, DateTimeOffset> _lastActive = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Queue<(object Message, IActorRef? Sender)>> _stopping = new(StringComparer.Ordinal);

    public Shard(string shardId, Func<string, Props> entityProps, bool pinned, TimeProvider clock)
    {
        _shardId = shardId;
        _entityProps = entityProps;
        _pinned = pinned;
        _clock = clock;
        Become(Active);
    }

    private void Active()
    {
        Receive<ShardingEnvelope>(envelope => Deliver(envelope.EntityId, envelope.Message, Sender));
        Receive<PassivateIdle>(idle =>
        {
            if (_pinned) return;
            foreach (var (id, last) in _lastActive.Where(kv => kv.Value <= idle.IdleSince).ToList())
            {
                if (_stopping.ContainsKey(id) || !_entities.TryGetValue(id, out var entity)) continue;
                Log.Debug($"shard '{_shardId}': passivating idle entity '{id}'");
                _stopping[id] = new Queue<(object, IActorRef?)>();
                entity.Tell(PoisonPill.Instance);
            }
        });
        Receive<HandOffStop>(_ =>
        {
            // Messages held for entities being passivated go back through the region, which buffers them
            // (it is handing this shard off) and sends them to the new home.
            foreach (var (id, queue) in _stopping)
            {
                while (queue.TryDequeue(out var held)) Context.Parent.Tell(new ShardingEnvelope(id, held.Message), held.Sender);
            }

            foreach (var (id, entity) in _entities)
            {
                _stopping[id] = new Queue<(object, IActorRef?)>();
                entity.Tell(PoisonPill.Instance);
            }

            Become(HandingOff);
            StopIfEmpty();
        });
        Receive<Terminated>(t => OnEntityTerminated(t, restart: true));
    }

    private void HandingOff()
    {
        // The region buffers this shard's messages during handoff, but one it routed just before may still arrive.
        Receive<ShardingEnvelope>(envelope => Context.Parent.Tell(envelope, Sender));
        Receive<Terminated>(t =>
        {
            OnEntityTerminated(t, restart: false);
            StopIfEmpty();
        });
        Receive<PassivateIdle>(_ => { });
        Receive<HandOffStop>(_ => { });
    }

    private void Deliver(string entityId, object message, IActorRef? sender)
    {
        _lastActive[entityId] = _clock.GetUtcNow();
        if (_stopping.TryGetValue(entityId, out var held))
        {
            held.Enqueue((message, sender));
            return;
        }

        EntityRef(entityId).Tell(message, sender);
    }

    private IActorRef EntityRef(string entityId)
    {
        if (_entities.TryGetValue(entityId, out var entity)) return entity;
        entity = Context.ActorOf(_entityProps(entityId), ShardingNames.Escape(entityId));
        Context.Watch(entity);
        _entities[entityId] = entity;
        _idOf[entity] = entityId;
        return entity;
    }

    private void OnEntityTerminated(Terminated terminated, bool restart)
    {
        if (!_idOf.Remove(terminated.ActorRef, out var id)) return;
        _entities.Remove(id);
        _lastActive.Remove(id);
        if (!_stopping.Remove(id, out var held) || held.Count == 0) return;
        if (restart)
        {
            var entity = EntityRef(id);
            _lastActive[id] = _clock.GetUtcNow();
            while (held.TryDequeue(out var next)) entity.Tell(next.Message, next.Sender);
        }
        else
        {
            while (held.TryDequeue(out var next)) Context.Parent.Tell(new ShardingEnvelope(id, next.Message), next.Sender);
        }
    }

    private void StopIfEmpty()
    {
        if (_entities.Count == 0) Context.Stop(Self);
    }
}
