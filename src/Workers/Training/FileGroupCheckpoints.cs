using System.Buffers;
using System.Globalization;
using ActorCodistill.Cluster.Persistence;

namespace ActorCodistill.Workers.Training;

/// <summary>
/// Recovery checkpoints as crash-safe files (<see cref="FileCheckpointStore"/>: write, fsync, rename, SHA-256),
/// one key per group: the float32 weights followed by the optimizer state. A damaged newest file is skipped
/// (reported) and the older intact one is used.
/// </summary>
public sealed class FileGroupCheckpoints(string directory, int keep = 3) : IGroupCheckpoints
{
    private readonly FileCheckpointStore _store = new(directory, keep);

    public string Directory => _store.Directory;

    private static string Key(int group) => $"group-{group}";

    public void Save(GroupCheckpoint checkpoint)
    {
        // The store is done with the bytes when Save returns, so a pooled buffer serves every save instead of a new
        // large-object-heap array per checkpoint (tens of MB each, every checkpoint interval, per group).
        var length = StatePayload.Length(checkpoint.Parameters.Length, checkpoint.OptimizerState.Length);
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var payload = buffer.AsSpan(0, length);
            StatePayload.Write(payload, checkpoint.Parameters, checkpoint.OptimizerState);
            _store.Save(Key(checkpoint.Group), checkpoint.Step, payload, new Dictionary<string, string>
            {
                ["parameters"] = checkpoint.Parameters.Length.ToString(CultureInfo.InvariantCulture),
            });
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public GroupCheckpoint? LoadLatest(int group, Action<string>? onSkipped = null)
    {
        var loaded = _store.LoadLatest(Key(group), onSkipped);
        if (loaded is null) return null;
        var source = loaded.Info.Path;
        if (!loaded.Info.Metadata.TryGetValue("parameters", out var text) || !int.TryParse(text, CultureInfo.InvariantCulture, out var count) ||
            count < 0 || (long)count * sizeof(float) > loaded.Payload.Length)
            throw new InvalidDataException($"{source}: recovery checkpoint without a valid 'parameters' count");
        var (parameters, optimizer) = StatePayload.Unpack(loaded.Payload.Span, count, loaded.Payload.Length - count * sizeof(float), source);
        return new GroupCheckpoint(group, loaded.Info.Step, parameters, optimizer);
    }
}
