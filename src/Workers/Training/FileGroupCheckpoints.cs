using System.Buffers;
using System.Globalization;
using ActorCodistill.Cluster.Persistence;

namespace ActorCodistill.Workers.Training;

/// <summary>
/// Recovery checkpoints as crash-safe files (<see cref="FileCheckpointStore"/>: write, fsync, rename, SHA-256),
/// one key per group: the float32 weights, the optimizer state, then (since 2026-12-06) the members' carried and teacher
/// state and the group's teacher copies (<see cref="RecoveryState"/>), whose length the header's 'recovery-bytes' gives.
/// A damaged newest file (checksum, or a layout that does not read) is skipped (reported) and the older intact one is used.
/// </summary>
public sealed class FileGroupCheckpoints(string directory, int keep = 3) : IGroupCheckpoints
{
    private readonly FileCheckpointStore _store = new(directory, keep);

    public string Directory => _store.Directory;

    private static string Key(int group) => $"group-{group}";

    public void Save(GroupCheckpoint checkpoint)
    {
        var recovery = checkpoint.Members is null && checkpoint.Copies is null
            ? null
            : RecoveryState.WriteGroup(checkpoint.Members ?? new Dictionary<int, MemberRecovery>(), checkpoint.Copies);
        var stateLength = StatePayload.Length(checkpoint.Parameters.Length, checkpoint.OptimizerState.Length);
        var length = stateLength + (long)(recovery?.Length ?? 0);
        if (length > Array.MaxLength)
            throw new ArgumentException($"group {checkpoint.Group}: a checkpoint of {length} bytes does not fit one payload", nameof(checkpoint));
        // The store is done with the bytes when Save returns, so a pooled buffer serves every save instead of a new
        // large-object-heap array per checkpoint (tens of MB each, every checkpoint interval, per group).
        var buffer = ArrayPool<byte>.Shared.Rent((int)length);
        try
        {
            var payload = buffer.AsSpan(0, (int)length);
            StatePayload.Write(payload[..stateLength], checkpoint.Parameters, checkpoint.OptimizerState);
            recovery?.CopyTo(payload[stateLength..]);
            var metadata = new Dictionary<string, string>
            {
                ["parameters"] = checkpoint.Parameters.Length.ToString(CultureInfo.InvariantCulture),
            };
            if (recovery is not null) metadata["recovery-bytes"] = recovery.Length.ToString(CultureInfo.InvariantCulture);
            _store.Save(Key(checkpoint.Group), checkpoint.Step, payload, metadata);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public IReadOnlyList<long> Steps(int group) => _store.List(Key(group)).Select(c => c.Step).ToList();

    /// <summary>The file of the newest checkpoint of <paramref name="group"/> whose header reads (not checksummed), or null.</summary>
    public string? NewestFile(int group) => _store.List(Key(group)).FirstOrDefault()?.Path;

    public IReadOnlyList<long> IntactSteps(int group, Action<string>? onDamaged = null)
    {
        var intact = new List<long>();
        long? atMost = null;
        while (LoadLatest(group, onDamaged ?? (_ => { }), atMost) is { } loaded)
        {
            intact.Add(loaded.Step);
            if (loaded.Step == 0) break;
            atMost = loaded.Step - 1;
        }
        return intact;
    }

    /// <summary>
    /// The newest checkpoint (of a step at most <paramref name="atMost"/>) whose checksum verifies and whose layout
    /// reads; a file that does not is reported to <paramref name="onSkipped"/> and the older one tried.
    /// </summary>
    public GroupCheckpoint? LoadLatest(int group, Action<string>? onSkipped = null, long? atMost = null)
    {
        while (_store.LoadLatest(Key(group), onSkipped, atMost) is { } loaded)
        {
            try
            {
                return Read(group, loaded);
            }
            catch (InvalidDataException e)
            {
                // The checksum held but the layout does not (a file written by another version, or by hand).
                (onSkipped ?? (reason => Console.Error.WriteLine("checkpoint skipped: " + reason)))(e.Message);
                if (loaded.Info.Step == 0) return null;
                atMost = loaded.Info.Step - 1;
            }
        }
        return null;
    }

    private static GroupCheckpoint Read(int group, LoadedCheckpoint loaded)
    {
        var source = loaded.Info.Path;
        if (!loaded.Info.Metadata.TryGetValue("parameters", out var text) || !int.TryParse(text, CultureInfo.InvariantCulture, out var count) ||
            count < 0 || (long)count * sizeof(float) > loaded.Payload.Length)
            throw new InvalidDataException($"{source}: recovery checkpoint without a valid 'parameters' count");
        var recoveryBytes = 0;
        if (loaded.Info.Metadata.TryGetValue("recovery-bytes", out var recoveryText) &&
            (!int.TryParse(recoveryText, CultureInfo.InvariantCulture, out recoveryBytes) || recoveryBytes < 0 ||
             (long)count * sizeof(float) + recoveryBytes > loaded.Payload.Length))
            throw new InvalidDataException($"{source}: recovery checkpoint with an invalid 'recovery-bytes' entry '{recoveryText}'");
        var payload = loaded.Payload.Span;
        var stateLength = payload.Length - recoveryBytes;
        try
        {
            var (parameters, optimizer) = StatePayload.Unpack(payload[..stateLength], count, stateLength - count * sizeof(float), source);
            if (recoveryText is null) return new GroupCheckpoint(group, loaded.Info.Step, parameters, optimizer);
            var (members, copies) = RecoveryState.ReadGroup(payload[stateLength..], source);
            return new GroupCheckpoint(group, loaded.Info.Step, parameters, optimizer, members, copies);
        }
        catch (FormatException e)
        {
            throw new InvalidDataException(e.Message, e);
        }
    }
}
