using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using ActorCodistill.Cluster.Persistence;

namespace ActorCodistill.Workers.Training;

/// <summary>
/// Recovery checkpoints as crash-safe files (<see cref="FileCheckpointStore"/>: write, fsync, rename, SHA-256),
/// one key per group: the float32 weights, the optimizer state, then each slot's carried state (float32, in the order
/// the header's 'carried' entry lists them: "slot:count,..."; no entry in files written before 2026-12-06). A damaged
/// newest file is skipped (reported) and the older intact one is used.
/// </summary>
public sealed class FileGroupCheckpoints(string directory, int keep = 3) : IGroupCheckpoints
{
    private readonly FileCheckpointStore _store = new(directory, keep);

    public string Directory => _store.Directory;

    private static string Key(int group) => $"group-{group}";

    public void Save(GroupCheckpoint checkpoint)
    {
        var carried = checkpoint.Carried?.OrderBy(kv => kv.Key).ToList() ?? [];
        var carriedCount = carried.Sum(kv => (long)kv.Value.Length);
        if (carriedCount > int.MaxValue)
            throw new ArgumentException($"group {checkpoint.Group}: {carriedCount} carried values do not fit one checkpoint", nameof(checkpoint));
        // The store is done with the bytes when Save returns, so a pooled buffer serves every save instead of a new
        // large-object-heap array per checkpoint (tens of MB each, every checkpoint interval, per group).
        var length = StatePayload.Length(checkpoint.Parameters.Length, checkpoint.OptimizerState.Length, (int)carriedCount);
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var payload = buffer.AsSpan(0, length);
            var stateLength = StatePayload.Length(checkpoint.Parameters.Length, checkpoint.OptimizerState.Length);
            StatePayload.Write(payload[..stateLength], checkpoint.Parameters, checkpoint.OptimizerState);
            var at = stateLength;
            foreach (var (_, values) in carried)
            {
                MemoryMarshal.AsBytes(values.AsSpan()).CopyTo(payload[at..]);
                at += values.Length * sizeof(float);
            }
            var metadata = new Dictionary<string, string>
            {
                ["parameters"] = checkpoint.Parameters.Length.ToString(CultureInfo.InvariantCulture),
            };
            if (checkpoint.Carried is not null)
                metadata["carried"] = string.Join(",", carried.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key}:{kv.Value.Length}")));
            _store.Save(Key(checkpoint.Group), checkpoint.Step, payload, metadata);
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
        var slots = loaded.Info.Metadata.TryGetValue("carried", out var carriedText) ? ParseCarried(carriedText, source) : null;
        var carriedBytes = (slots?.Sum(s => (long)s.Count) ?? 0) * sizeof(float);
        var optimizerBytes = loaded.Payload.Length - (long)count * sizeof(float) - carriedBytes;
        if (optimizerBytes < 0)
            throw new InvalidDataException($"{source}: recovery checkpoint of {loaded.Payload.Length} bytes is too short for {count} weights and its 'carried' entry '{carriedText}'");
        var payload = loaded.Payload.Span;
        var (parameters, optimizer) = StatePayload.Unpack(payload, count, (int)optimizerBytes, source);
        Dictionary<int, float[]>? carried = null;
        if (slots is not null)
        {
            carried = new Dictionary<int, float[]>();
            var at = (long)count * sizeof(float) + optimizerBytes;
            foreach (var (slot, values) in slots)
            {
                carried[slot] = StatePayload.Carried(payload, at, values, source);
                at += (long)values * sizeof(float);
            }
        }
        return new GroupCheckpoint(group, loaded.Info.Step, parameters, optimizer, carried);
    }

    // "0:256,1:256" -> [(0, 256), (1, 256)]; "" -> none.
    private static List<(int Slot, int Count)> ParseCarried(string text, string source)
    {
        var slots = new List<(int, int)>();
        foreach (var entry in text.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = entry.Split(':');
            if (parts.Length != 2 || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out var slot) || slot < 0 ||
                !int.TryParse(parts[1], CultureInfo.InvariantCulture, out var values) || values < 0 || slots.Any(s => s.Item1 == slot))
                throw new InvalidDataException($"{source}: recovery checkpoint with a malformed 'carried' entry '{text}' (expected slot:count,...)");
            slots.Add((slot, values));
        }
        return slots;
    }
}
