using ActorCodistill.Cluster.DataPlane;
using ActorCodistill.Cluster.Remote;
using ActorCodistill.Workers.Actors;
using ActorCodistill.Workers.Node;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Workers.Remote;

/// <summary>
/// How the messages that carry tensors cross nodes: on the data plane as a few little-endian integers of metadata
/// plus the raw float32/float16 bytes, with no per-element work. Manifests are stable names, not CLR type names, so
/// renaming a class does not break a mixed-version cluster. (Small records go over Akka.Remote through the product's
/// allow-listed serializer: <c>IProductMessage</c>.)
/// </summary>
public static class TrainingSerializers
{
    /// <summary>
    /// The messages that carry tensors, as the Akka data plane's codecs (docs/data-plane.md). Allreduce chunks and teacher
    /// copies are received straight into the arrays the messages keep (<see cref="BulkCodec.ReceiveInto"/>).
    /// </summary>
    public static BulkCodecs Codecs()
    {
        var codecs = new BulkCodecs();
        foreach (var codec in BulkMessages()) codecs.Add(codec);
        return codecs;
    }

    private static IEnumerable<BulkCodec> BulkMessages() =>
    [
        Chunk(),
        Teacher("codistill.load-teacher", c => new LoadTeacher(c), m => ((LoadTeacher)m).Checkpoint, typeof(LoadTeacher)),
        Teacher("codistill.checkpoint-exported", c => new CheckpointExported(c), m => ((CheckpointExported)m).Checkpoint, typeof(CheckpointExported)),
        Teacher("codistill.teacher-arrived", c => new TeacherCheckpointArrived(c), m => ((TeacherCheckpointArrived)m).Checkpoint, typeof(TeacherCheckpointArrived)),
        Recovery(),
        State("codistill.worker-state", (s, _) => s, m => ((WorkerState)m, null), typeof(WorkerState)),
        State("codistill.restore-state", (s, copies) => new RestoreState(s, copies), m => (((RestoreState)m).State, ((RestoreState)m).TeacherCopies),
            typeof(RestoreState)),
    ];

    private static BulkCodec Chunk() => new(typeof(AllreduceChunk), "codistill.allreduce-chunk",
        m =>
        {
            var c = (AllreduceChunk)m;
            var metadata = new MetadataWriter(32).Long(c.Step).Int(c.Epoch).Int(c.Chunk.Phase).Int(c.Chunk.Chunk).Int(c.Chunk.Segment).Int(c.Chunk.Data.Length);
            // The ring hands over copies (RingAllreduce copies outgoing chunks), so the bytes can be sent as they are.
            return new BulkMessageParts(metadata.ToArray(), ByteView<float>.Of(c.Chunk.Data));
        },
        (metadata, payload) =>
        {
            var r = new MetadataReader(metadata.Span, "allreduce chunk");
            var step = r.Long();
            var epoch = r.Int();
            var phase = r.Int();
            var chunk = r.Int();
            var segment = r.Int();
            var count = r.Int();
            var data = BulkArrays.Own<float>(payload, count, "allreduce chunk");
            return new AllreduceChunk(step, epoch, new RingChunk(phase, chunk, data) { Segment = segment });
        })
    {
        // The count is the metadata's last integer (after step, epoch, phase, chunk, segment).
        ReceiveInto = (metadata, length) => BulkArrays.Allocate<float>(length, Count(metadata, 24, "allreduce chunk"), "allreduce chunk"),
    };

    private static int Count(ReadOnlyMemory<byte> metadata, int offset, string message)
    {
        if (metadata.Length < offset + 4) throw new FormatException($"{message}: metadata of {metadata.Length} bytes is too short");
        return System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(metadata.Span[offset..]);
    }

    private static BulkCodec Teacher(string manifest, Func<TeacherCheckpoint, object> wrap, Func<object, TeacherCheckpoint> unwrap, Type type) =>
        new(type, manifest,
            m =>
            {
                var c = unwrap(m);
                var metadata = new MetadataWriter(24).Int(c.Group).Long(c.Step).Int(c.Weights.Length);
                // Checkpoints are immutable once taken: their float16 bytes go out without a copy.
                return new BulkMessageParts(metadata.ToArray(), ByteView<Half>.Of(c.Weights));
            },
            (metadata, payload) =>
            {
                var r = new MetadataReader(metadata.Span, manifest);
                var group = r.Int();
                var step = r.Long();
                var count = r.Int();
                return wrap(new TeacherCheckpoint(group, step, BulkArrays.Own<Half>(payload, count, manifest)));
            })
        {
            // The count follows group and step.
            ReceiveInto = (metadata, length) => BulkArrays.Allocate<Half>(length, Count(metadata, 12, manifest), manifest),
        };

    private static BulkCodec Recovery() => new(typeof(StepRecovery), "codistill.step-recovery",
        m =>
        {
            var r = (StepRecovery)m;
            var metadata = new MetadataWriter(16).Int(r.Slot).Int(r.Generation).Long(r.Step);
            return new BulkMessageParts(metadata.ToArray(), RecoveryState.Write(r.Recovery, null));
        },
        (metadata, payload) =>
        {
            var r = new MetadataReader(metadata.Span, "codistill.step-recovery");
            var slot = r.Int();
            var generation = r.Int();
            var step = r.Long();
            return new StepRecovery(slot, generation, step, RecoveryState.Read(payload.Span, "codistill.step-recovery").Member);
        });

    // The payload: weights and optimizer state (StatePayload), then the rest of the recovery state (RecoveryState: carried
    // state, teacher replicas, teacher copies), whose length the metadata ends with.
    private static BulkCodec State(string manifest, Func<WorkerState, IReadOnlyList<TeacherCheckpoint>?, object> wrap,
        Func<object, (WorkerState, IReadOnlyList<TeacherCheckpoint>?)> unwrap, Type type) =>
        new(type, manifest,
            m =>
            {
                var (s, copies) = unwrap(m);
                var recovery = RecoveryState.Write(new MemberRecovery(s.Carried, s.Teachers), copies);
                var metadata = new MetadataWriter(36).Int(s.Slot).Long(s.AppliedStep).Int(s.RequestId).Int(s.Parameters.Length).Int(s.OptimizerState.Length)
                    .Int(recovery.Length);
                var stateLength = StatePayload.Length(s.Parameters.Length, s.OptimizerState.Length);
                var payload = GC.AllocateUninitializedArray<byte>(checked(stateLength + recovery.Length));
                StatePayload.Write(payload.AsSpan(0, stateLength), s.Parameters, s.OptimizerState);
                recovery.CopyTo(payload.AsSpan(stateLength));
                return new BulkMessageParts(metadata.ToArray(), payload);
            },
            (metadata, payload) =>
            {
                var r = new MetadataReader(metadata.Span, manifest);
                var slot = r.Int();
                var applied = r.Long();
                var request = r.Int();
                var parameterCount = r.Int();
                var optimizerBytes = r.Int();
                var recoveryBytes = r.Int();
                var (parameters, optimizer) = StatePayload.Unpack(payload.Span, parameterCount, optimizerBytes, manifest);
                var at = (long)parameterCount * sizeof(float) + optimizerBytes;
                if (recoveryBytes < 0 || at + recoveryBytes != payload.Length)
                    throw new FormatException($"{manifest}: payload of {payload.Length} bytes does not hold {parameterCount} weights, {optimizerBytes} bytes of " +
                                              $"optimizer state and {recoveryBytes} bytes of recovery state");
                var (member, copies) = RecoveryState.Read(payload.Span[(int)at..], manifest);
                return wrap(new WorkerState(slot, applied, parameters, optimizer, request, member.Carried, member.Teachers), copies);
            });
}
