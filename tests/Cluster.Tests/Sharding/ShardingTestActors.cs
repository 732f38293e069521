using System.Collections.Concurrent;
using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.Sharding;
using Google.Protobuf.WellKnownTypes;

namespace ActorCodistill.Cluster.Tests.Sharding;

/// <summary>Answers each StringValue with "messageId|entityId|node address|messages seen by this incarnation".</summary>
internal sealed class EchoEntity : ReceiveActor
{
    private int _seen;

    public EchoEntity(string entityId) =>
        Receive<StringValue>(m => Sender.Tell(new StringValue { Value = $"{m.Value}|{entityId}|{Context.System.Address}|{++_seen}" }));
}

/// <summary>Collects every reply, so tests can count deliveries per message id.</summary>
internal sealed class ReplyCollector : ReceiveActor
{
    public ReplyCollector(ConcurrentQueue<EntityReply> replies) => Receive<StringValue>(v => replies.Enqueue(EntityReply.Parse(v.Value)));
}

internal sealed record EntityReply(string MessageId, string EntityId, string Node, int Seen)
{
    public static EntityReply Parse(string text)
    {
        var parts = text.Split('|');
        return new EntityReply(parts[0], parts[1], parts[2], int.Parse(parts[3], System.Globalization.CultureInfo.InvariantCulture));
    }
}

/// <summary>Entities named "g..." are their own shard (one worker per device slot); the rest hash into 12 shards.</summary>
internal sealed record DeviceEntityExtractor : IShardIdExtractor
{
    private static readonly HashShardIdExtractor Hash = new(12);

    public string ShardId(string entityId) => entityId.StartsWith('g') ? entityId : Hash.ShardId(entityId);
}

/// <summary>A message type with no serializer.</summary>
internal sealed record LocalOnlyMessage(int Value);
