using System.Text.Json;
using System.Text.Json.Serialization;
using ActorCodistill.Cluster.Remoting;
using ActorCodistill.Workers.Actors;
using ActorCodistill.Workers.Node;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Workers.Remote;

/// <summary>
/// How the training protocol crosses nodes. Small records go as JSON on the control channel (the C# records are
/// the schema, so the wire cannot drift from the code); the messages that carry tensors go on the bulk channel as
/// a few little-endian integers of metadata plus the raw float32/float16 bytes, with no per-element work.
/// Manifests are stable names, not CLR type names, so renaming a class does not break a mixed-version cluster.
/// </summary>
public static class TrainingSerializers
{
    // NaN is a legitimate loss value (a worker reporting a step it had already applied).
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.General)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static SerializerRegistry Register(SerializerRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry
            .AddJson<RingMembers>("codistill.ring-members", Json)
            .AddJson<StepPlan>("codistill.step-plan", Json)
            .AddJson<ProbeWorker>("codistill.probe-worker", Json)
            .AddJson<ExportState>("codistill.export-state", Json)
            .AddJson<StopWorker>("codistill.stop-worker", Json)
            .AddJson<WorkerReady>("codistill.worker-ready", Json)
            .AddJson<WorkerAlive>("codistill.worker-alive", Json)
            .AddJson<TeacherCopiesMissing>("codistill.teacher-copies-missing", Json)
            .AddJson<AllreduceChunkLost>("codistill.allreduce-chunk-lost", Json)
            .AddJson<StepDone>("codistill.step-done", Json)
            .AddJson<SpawnWorker>("codistill.spawn-worker", Json)
            .AddJson<SpawnRefused>("codistill.spawn-refused", Json)
            .AddJson<WorkerStarted>("codistill.worker-started", Json)
            .AddJson<WorkerStopped>("codistill.worker-stopped", Json);

        registry.AddBulk(Chunk());
        registry.AddBulk(Teacher("codistill.load-teacher", c => new LoadTeacher(c), m => ((LoadTeacher)m).Checkpoint, typeof(LoadTeacher)));
        registry.AddBulk(Teacher("codistill.checkpoint-exported", c => new CheckpointExported(c), m => ((CheckpointExported)m).Checkpoint, typeof(CheckpointExported)));
        registry.AddBulk(Teacher("codistill.teacher-arrived", c => new TeacherCheckpointArrived(c), m => ((TeacherCheckpointArrived)m).Checkpoint, typeof(TeacherCheckpointArrived)));
        registry.AddBulk(State("codistill.worker-state", s => s, m => (WorkerState)m, typeof(WorkerState)));
        registry.AddBulk(State("codistill.restore-state", s => new RestoreState(s), m => ((RestoreState)m).State, typeof(RestoreState)));
        return registry;
    }

    private static BulkMessageSerializer Chunk() => new(typeof(AllreduceChunk), "codistill.allreduce-chunk",
        (m, _) =>
        {
            var c = (AllreduceChunk)m;
            var metadata = new MetadataWriter(32).Long(c.Step).Int(c.Epoch).Int(c.Chunk.Phase).Int(c.Chunk.Chunk).Int(c.Chunk.Segment).Int(c.Chunk.Data.Length);
            // The ring hands over copies (RingAllreduce copies outgoing chunks), so the bytes can be sent as they are.
            return new BulkMessageParts(metadata.ToArray(), ByteView<float>.Of(c.Chunk.Data));
        },
        (metadata, payload, _) =>
        {
            var r = new MetadataReader(metadata.Span, "allreduce chunk");
            var step = r.Long();
            var epoch = r.Int();
            var phase = r.Int();
            var chunk = r.Int();
            var segment = r.Int();
            var count = r.Int();
            var data = BulkArrays.Copy<float>(payload, 0, count, "allreduce chunk");
            return new AllreduceChunk(step, epoch, new RingChunk(phase, chunk, data) { Segment = segment });
        });

    private static BulkMessageSerializer Teacher(string manifest, Func<TeacherCheckpoint, object> wrap, Func<object, TeacherCheckpoint> unwrap, Type type) =>
        new(type, manifest,
            (m, _) =>
            {
                var c = unwrap(m);
                var metadata = new MetadataWriter(24).Int(c.Group).Long(c.Step).Int(c.Weights.Length);
                // Checkpoints are immutable once taken: their float16 bytes go out without a copy.
                return new BulkMessageParts(metadata.ToArray(), ByteView<Half>.Of(c.Weights));
            },
            (metadata, payload, _) =>
            {
                var r = new MetadataReader(metadata.Span, manifest);
                var group = r.Int();
                var step = r.Long();
                var count = r.Int();
                return wrap(new TeacherCheckpoint(group, step, BulkArrays.Copy<Half>(payload, 0, count, manifest)));
            });

    private static BulkMessageSerializer State(string manifest, Func<WorkerState, object> wrap, Func<object, WorkerState> unwrap, Type type) =>
        new(type, manifest,
            (m, _) =>
            {
                var s = unwrap(m);
                // Carried: -1 for none given (null), else the count of values after the optimizer state.
                var metadata = new MetadataWriter(36).Int(s.Slot).Long(s.AppliedStep).Int(s.RequestId).Int(s.Parameters.Length).Int(s.OptimizerState.Length)
                    .Int(s.Carried?.Length ?? -1);
                return new BulkMessageParts(metadata.ToArray(), StatePayload.Pack(s.Parameters, s.OptimizerState, s.Carried));
            },
            (metadata, payload, _) =>
            {
                var r = new MetadataReader(metadata.Span, manifest);
                var slot = r.Int();
                var applied = r.Long();
                var request = r.Int();
                var parameterCount = r.Int();
                var optimizerBytes = r.Int();
                var carriedCount = r.Int();
                var (parameters, optimizer) = StatePayload.Unpack(payload.Span, parameterCount, optimizerBytes, manifest);
                var carried = carriedCount < 0
                    ? null
                    : StatePayload.Carried(payload.Span, (long)parameterCount * sizeof(float) + optimizerBytes, carriedCount, manifest);
                return wrap(new WorkerState(slot, applied, parameters, optimizer, request, carried));
            });
}
