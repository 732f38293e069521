using ActorCodistill.Cluster.Actors;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Workers.Actors;

/// <summary>Messages between worker, group and checkpoint-broadcast actors. All immutable.</summary>
public abstract record TrainingMessage;

// ---- group -> worker ----

/// <summary>The ring for this membership epoch, in rank order. A worker finds its rank by its own ref.</summary>
public sealed record RingMembers(int Epoch, IReadOnlyList<IActorRef> Members) : TrainingMessage;

/// <summary>
/// Run one synchronous step. Everything that may change between steps (distillation switch, weight,
/// teachers to load or drop, export and evaluation duties) is decided by the group and arrives here, so
/// every member of a group applies a change at the same step boundary.
/// </summary>
public sealed record StepPlan(
    long Step,
    int Epoch,
    bool DistillOn,
    DistillSpec Distill,
    IReadOnlyList<TeacherCheckpoint> LoadTeachers,
    IReadOnlyList<int> TeacherGroups,
    bool ExportCheckpoint,
    bool Evaluate,
    bool CollectPredictions) : TrainingMessage;

/// <summary>Asks a worker for its model and optimizer state (group recovery).</summary>
public sealed record ExportState(int Epoch) : TrainingMessage;

/// <summary>Resets a worker to a group member's state: weights, optimizer state, applied step.</summary>
public sealed record RestoreState(WorkerState State) : TrainingMessage;

// ---- worker -> worker ----

/// <summary>One ring allreduce chunk of step <paramref name="Step"/> in membership epoch <paramref name="Epoch"/>.</summary>
public sealed record AllreduceChunk(long Step, int Epoch, RingChunk Chunk) : TrainingMessage;

// ---- worker -> group ----

public sealed record WorkerReady(int Rank, long ParameterCount) : TrainingMessage;

/// <summary>Validation-set predictions of a model, for churn between retrains.</summary>
public sealed record PredictionSet(float[] Top1OrProbability, float[] TrueLabelProbability, bool Binary);

public sealed record StepDone(
    long Step,
    int Epoch,
    int Rank,
    StepLosses Losses,
    double ComputeSeconds,
    double StepSeconds,
    long AllreduceBytes,
    TeacherCheckpoint? Checkpoint,
    double? ValidationLoss,
    IReadOnlyDictionary<int, long> TeacherAges,
    PredictionSet? Predictions) : TrainingMessage;

/// <summary>A worker's full training state, as plain arrays so it can cross nodes.</summary>
public sealed record WorkerState(int Rank, long AppliedStep, float[] Parameters, byte[] OptimizerState) : TrainingMessage;

// ---- broadcast ----

/// <summary>Group -> its broadcaster: the rank-0 float16 checkpoint to push to the groups that read from this one.</summary>
public sealed record PublishCheckpoint(TeacherCheckpoint Checkpoint) : TrainingMessage;

/// <summary>Coordinator -> broadcaster: where to push (the reader groups' group actors), per the current topology.</summary>
public sealed record BroadcastTargets(IReadOnlyList<IActorRef> Readers) : TrainingMessage;

/// <summary>Broadcaster -> reader group: a new stale copy of another group's model.</summary>
public sealed record TeacherCheckpointArrived(TeacherCheckpoint Checkpoint) : TrainingMessage;

/// <summary>Broadcaster -> coordinator (on request): what it has sent.</summary>
public sealed record BroadcastStats(int Group, long Checkpoints, long BytesSent) : TrainingMessage;
public sealed record GetBroadcastStats : TrainingMessage;

// ---- coordinator <-> group ----

/// <summary>Starts a group: its job, the coordinator to report to, and its teacher groups.</summary>
public sealed record StartGroup(IReadOnlyList<int> TeacherGroups) : TrainingMessage;

/// <summary>A change applied by the group at its next step boundary.</summary>
public sealed record GroupReconfigure(IReadOnlyList<int>? TeacherGroups, long? ReloadInterval, double? DistillWeight) : TrainingMessage;

public sealed record StopGroup : TrainingMessage;

/// <summary>Group -> coordinator, once per step: the group's mean losses and its members' timings.</summary>
public sealed record GroupStepCompleted(
    int Group,
    long Step,
    StepLosses Losses,
    bool DistillOn,
    double ExamplesPerSecond,
    double StepSeconds,
    long AllreduceBytes,
    IReadOnlyDictionary<int, long> TeacherAges,
    double? ValidationLoss,
    PredictionSet? Predictions) : TrainingMessage;

/// <summary>Group -> coordinator: something a user should see in the log (failure, recovery, reconfiguration).</summary>
public sealed record GroupEvent(int Group, long Step, string Message) : TrainingMessage;

public sealed record GroupFinished(int Group, long Steps) : TrainingMessage;
