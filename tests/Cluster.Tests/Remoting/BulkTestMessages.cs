using System.Buffers.Binary;
using System.Runtime.InteropServices;
using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.Remote;
using ActorCodistill.Cluster.Remoting;

namespace ActorCodistill.Cluster.Tests.Remoting;

/// <summary>A float32 tensor (an allreduce segment, a teacher checkpoint) as a bulk message.</summary>
internal sealed record FloatTensor(long Step, float[] Values);

/// <summary>Raw bytes with a sequence number, for ordering tests.</summary>
internal sealed record Blob(int Sequence, byte[] Data);

public enum ReportStatus
{
    Running,
    Done,
    Failed,
}

public sealed record ShardRange(int First, int Count);

/// <summary>The kind of small control record the training layer sends (step plans, step reports) as JSON.</summary>
public sealed record StepReport(
    long Step,
    ReportStatus Status,
    IActorRef Worker,
    IReadOnlyList<IActorRef> Group,
    IReadOnlyDictionary<int, long> TokensByRank,
    ShardRange Shard,
    IReadOnlyList<ShardRange> Pending,
    double? Loss,
    string? Note,
    IActorRef? Teacher);

/// <summary>Reply to a received tensor: what arrived, and who received it.</summary>
public sealed record TensorReceived(long Step, int Length, IActorRef ReceivedBy);

internal static class BulkTestMessages
{
    public const string FloatTensorManifest = "test.FloatTensor";
    public const string BlobManifest = "test.Blob";

    public static readonly BulkMessageSerializer FloatTensorSerializer = new(typeof(FloatTensor), FloatTensorManifest,
        static (m, _) =>
        {
            var tensor = (FloatTensor)m;
            var metadata = new byte[12];
            BinaryPrimitives.WriteInt64LittleEndian(metadata, tensor.Step);
            BinaryPrimitives.WriteInt32LittleEndian(metadata.AsSpan(8), tensor.Values.Length);
            // A copy, so the caller may reuse its array after Tell.
            return new BulkMessageParts(metadata, MemoryMarshal.AsBytes(tensor.Values.AsSpan()).ToArray());
        },
        static (metadata, payload, _) =>
        {
            if (metadata.Length != 12) throw new FormatException($"FloatTensor metadata must be 12 bytes, was {metadata.Length}");
            var count = BinaryPrimitives.ReadInt32LittleEndian(metadata.Span[8..]);
            if ((long)count * 4 != payload.Length) throw new FormatException($"FloatTensor of {count} floats cannot have {payload.Length} payload bytes");
            return new FloatTensor(BinaryPrimitives.ReadInt64LittleEndian(metadata.Span), MemoryMarshal.Cast<byte, float>(payload.Span).ToArray());
        });

    public static readonly BulkMessageSerializer BlobSerializer = new(typeof(Blob), BlobManifest,
        static (m, _) =>
        {
            var blob = (Blob)m;
            var metadata = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(metadata, blob.Sequence);
            return new BulkMessageParts(metadata, blob.Data.ToArray());
        },
        static (metadata, payload, _) => new Blob(BinaryPrimitives.ReadInt32LittleEndian(metadata.Span), payload.ToArray()));

    public static SerializerRegistry Register(SerializerRegistry registry) =>
        registry.AddBulk(FloatTensorSerializer)
            .AddBulk(BlobSerializer)
            .AddJson<StepReport>("test.StepReport")
            .AddJson<TensorReceived>("test.TensorReceived");

    /// <summary>Every bit pattern may occur (NaNs included), so equality is checked on the bytes.</summary>
    public static float[] RandomFloats(int count, int seed)
    {
        var values = new float[count];
        new Random(seed).NextBytes(MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }

    public static byte[] Pattern(int sequence, int length)
    {
        var data = new byte[length];
        for (var i = 0; i < length; i++) data[i] = (byte)(sequence * 31 + i * 7);
        return data;
    }
}
