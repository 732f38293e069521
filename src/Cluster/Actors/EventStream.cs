using System.Collections.Immutable;

namespace ActorCodistill.Cluster.Actors;

/// <summary>
/// Publish/subscribe by type: a subscriber to T receives every published event assignable to T. Subscribers
/// that have stopped are removed at the next publish.
/// </summary>
public sealed class EventStream
{
    private readonly object _lock = new();
    private ImmutableArray<(IActorRef Subscriber, Type Channel)> _subscriptions = ImmutableArray<(IActorRef, Type)>.Empty;

    public bool Subscribe(IActorRef subscriber, Type channel)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        ArgumentNullException.ThrowIfNull(channel);
        lock (_lock)
        {
            if (_subscriptions.Contains((subscriber, channel)))
            {
                return false;
            }
            _subscriptions = _subscriptions.Add((subscriber, channel));
            return true;
        }
    }

    public bool Unsubscribe(IActorRef subscriber, Type channel)
    {
        lock (_lock)
        {
            var before = _subscriptions.Length;
            _subscriptions = _subscriptions.Remove((subscriber, channel));
            return _subscriptions.Length != before;
        }
    }

    public void Unsubscribe(IActorRef subscriber)
    {
        lock (_lock)
        {
            _subscriptions = _subscriptions.RemoveAll(s => s.Subscriber.Equals(subscriber));
        }
    }

    public void Publish(object @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        foreach (var (subscriber, channel) in _subscriptions)
        {
            // A stopped subscriber would turn every later event into a dead letter; drop it instead.
            if (subscriber is LocalActorRef { Cell.IsTerminated: true })
            {
                Unsubscribe(subscriber);
                continue;
            }
            if (channel.IsInstanceOfType(@event))
            {
                subscriber.Tell(@event, ActorRefs.NoSender);
            }
        }
    }
}
