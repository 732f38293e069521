using ActorCodistill.Cluster.Serialization;
using Akka.Actor;
using Akka.Event;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Workers.Actors;

/// <summary>
/// Messages between worker, group and checkpoint-broadcast actors. All immutable. Across nodes the small
/// records travel as JSON on the control channel and the ones that carry tensors (<see cref="IBulkTrainingMessage"/>)
/// as raw bytes on the bulk channel; the two channels keep no order between them, so every exchange that
/// depends on order waits for an answer (restore -> ready, export -> state) or names what it needs (a plan
/// lists the teacher copies it needs and a worker holds the plan until they are there).
/// </summary>
public abstract record TrainingMessage;

/// <summary>A message whose payload is a tensor: it goes on the bulk channel between nodes.</summary>
public interface IBulkTrainingMessage;

// ---- group -> worker ----

/// <summary>
/// The ring for this membership epoch, in rank order, with each member's slot (its fixed place in the
/// group, which decides its data shard). A worker finds its rank by its slot.
/// </summary>
public sealed record RingMembers(int Epoch, IReadOnlyList<IActorRef> Members, IReadOnlyList<int> Slots) : TrainingMessage, IProductMessage;

/// <summary>
/// Run one synchronous step. Everything that may change between steps (distillation switch, weight,
/// which teacher copies to hold, export and evaluation duties) is decided by the group and arrives here,
/// so every member of a group applies a change at the same step boundary.
/// <paramref name="TeacherSteps"/>: teacher group -> the step of the copy the member must hold for this step
/// (sent before as <see cref="LoadTeacher"/>); copies of groups not listed are dropped.
/// </summary>
public sealed record StepPlan(
    long Step,
    int Epoch,
    bool DistillOn,
    DistillSpec Distill,
    IReadOnlyDictionary<int, long> TeacherSteps,
    bool ExportCheckpoint,
    bool Evaluate,
    bool CollectPredictions) : TrainingMessage, IProductMessage;

/// <summary>A stale float16 copy of another group's model, for a member to hold until a plan names it.</summary>
public sealed record LoadTeacher(TeacherCheckpoint Checkpoint) : TrainingMessage, IBulkTrainingMessage;

/// <summary>
/// Asks a worker whether it is alive and how far it got. A newer <paramref name="Epoch"/> than the worker's
/// aborts the allreduce it may be waiting in (its gradients stay, for a retry of the same step).
/// </summary>
public sealed record ProbeWorker(int Epoch) : TrainingMessage, IProductMessage;

/// <summary>
/// Asks a worker for its model and optimizer state (recovery checkpoints, restoring a member), with the state its model
/// carries between batches. <paramref name="CarriedOnly"/>: just that and the applied step (a recovery checkpoint
/// takes the weights from rank 0 and every member's own carried state).
/// </summary>
public sealed record ExportState(int RequestId, bool CarriedOnly = false) : TrainingMessage, IProductMessage;

/// <summary>
/// Resets a worker to a group member's state: weights, optimizer state, applied step, and the next batch of its shard
/// is the one after that step. With <c>State.Carried</c> its model's carried state is set to that (empty: dropped);
/// without (null), it keeps its own. With <c>State.Teachers</c> (from a recovery checkpoint) its teacher replicas are
/// set to those copies (from <paramref name="TeacherCopies"/>) and carried states, and it repeats their prediction of
/// the next batch if they had made it.
/// </summary>
public sealed record RestoreState(WorkerState State, IReadOnlyList<TeacherCheckpoint>? TeacherCopies = null) : TrainingMessage, IBulkTrainingMessage;

/// <summary>The group gives this worker up (fenced after a hang, drained, or the job is over): it stops itself.</summary>
public sealed record StopWorker(string Reason) : TrainingMessage, IProductMessage;

// ---- worker -> worker ----

/// <summary>One ring allreduce chunk of step <paramref name="Step"/> in membership epoch <paramref name="Epoch"/>.</summary>
public sealed record AllreduceChunk(long Step, int Epoch, RingChunk Chunk) : TrainingMessage, IBulkTrainingMessage;

// ---- worker -> group ----

/// <summary>A worker is built (or restored) and can join the ring. <paramref name="Generation"/> tells a replacement from a stale one.</summary>
public sealed record WorkerReady(int Slot, int Generation, long ParameterCount, long AppliedStep) : TrainingMessage, IProductMessage;

/// <summary>
/// The answer to <see cref="ProbeWorker"/>. <paramref name="Computed"/>: the losses of the step after
/// <paramref name="AppliedStep"/> when this member has computed its gradients but not applied it (its ring broke), so a
/// group that finishes that step from another member's state still reports every member's loss.
/// </summary>
public sealed record WorkerAlive(int Slot, int Generation, int Epoch, long AppliedStep, StepLosses? Computed = null) : TrainingMessage, IProductMessage;

/// <summary>
/// A member has held the plan of <paramref name="Step"/> for <c>training.failures.teacher-retry-interval</c> (by default a
/// quarter of the step timeout) without the teacher copies of <paramref name="Groups"/> it names (a bulk transfer lost or
/// refused on the way): the group sends them again.
/// </summary>
public sealed record TeacherCopiesMissing(int Slot, int Generation, int Epoch, long Step, IReadOnlyList<int> Groups) : TrainingMessage, IProductMessage;

/// <summary>
/// An allreduce chunk of <paramref name="Step"/> in <paramref name="Epoch"/> was lost, so the ring can never finish:
/// one this member sent became a dead letter (its bulk transfer failed: connection lost, refused by a full outbox,
/// recipient gone), or one it received skipped a chunk before it. The group regroups and redoes the step's allreduce
/// now, instead of after the step timeout. <paramref name="What"/> says which, for the log.
/// </summary>
public sealed record AllreduceChunkLost(int Slot, int Generation, int Epoch, long Step, string What) : TrainingMessage, IProductMessage;

/// <summary>Validation-set predictions of a model, for churn between retrains.</summary>
public sealed record PredictionSet(float[] Top1OrProbability, float[] TrueLabelProbability, bool Binary);

public sealed record StepDone(
    long Step,
    int Epoch,
    int Slot,
    StepLosses Losses,
    double ComputeSeconds,
    double StepSeconds,
    long AllreduceBytes,
    bool ExportedCheckpoint,
    double? ValidationLoss,
    IReadOnlyDictionary<int, long> TeacherAges,
    PredictionSet? Predictions,
    double? ValidationAccuracy = null) : TrainingMessage, IProductMessage;

/// <summary>
/// Worker -> group, after each step when the group pauses for replacements (min-workers-per-group = workers-per-group):
/// what the member carries after <paramref name="Step"/> besides weights and optimizer state (its streams' model state,
/// its teacher replicas). A replacement of this slot restored at that step gets it, so the retried step has the bits the
/// lost member would have produced.
/// </summary>
public sealed record StepRecovery(int Slot, int Generation, long Step, MemberRecovery Recovery) : TrainingMessage, IBulkTrainingMessage;

/// <summary>Rank 0's float16 weights after a reload-interval step, for the group's broadcaster.</summary>
public sealed record CheckpointExported(TeacherCheckpoint Checkpoint) : TrainingMessage, IBulkTrainingMessage;

/// <summary>
/// A worker's full training state, as plain arrays so it can cross nodes. <paramref name="Carried"/>: the state its
/// model carries between batches (<c>ITaskModel.ExportCarriedState</c>), which belongs to its own slot's data streams;
/// <paramref name="Teachers"/>: its teacher replicas at the applied step (taken at recovery-checkpoint steps only).
/// Null when not given.
/// </summary>
public sealed record WorkerState(int Slot, long AppliedStep, float[] Parameters, byte[] OptimizerState, int RequestId = 0, float[]? Carried = null,
    TeachersAtStep? Teachers = null)
    : TrainingMessage, IBulkTrainingMessage;

// ---- broadcast ----

/// <summary>Group -> its broadcaster: the rank-0 float16 checkpoint to push to the groups that read from this one.</summary>
public sealed record PublishCheckpoint(TeacherCheckpoint Checkpoint) : TrainingMessage;

/// <summary>Coordinator -> broadcaster: where to push (the reader groups' group actors), per the current topology.</summary>
public sealed record BroadcastTargets(IReadOnlyList<IActorRef> Readers) : TrainingMessage;

/// <summary>Broadcaster -> reader group: a new stale copy of another group's model.</summary>
public sealed record TeacherCheckpointArrived(TeacherCheckpoint Checkpoint) : TrainingMessage, IBulkTrainingMessage;

/// <summary>Broadcaster -> coordinator (on request): what it has sent.</summary>
public sealed record BroadcastStats(int Group, long Checkpoints, long BytesSent) : TrainingMessage;
public sealed record GetBroadcastStats : TrainingMessage;

// ---- coordinator <-> group ----

/// <summary>
/// What a group starts with, given at its creation (not as a message: its workers can be ready before a message sent
/// after the creation arrives, and the group would then have planned steps without its teachers): its teacher groups,
/// and the job's scheduled changes so far (from the journal), each for its step.
/// </summary>
public sealed record GroupStart(IReadOnlyList<int> TeacherGroups, IReadOnlyList<GroupReconfigure> History)
{
    public static GroupStart Alone { get; } = new([], []);
}

/// <summary>
/// A change the group applies when it begins step <paramref name="AtStep"/> (every group of the job gets the same one,
/// so they all switch at the same step), or at its next step boundary when <paramref name="AtStep"/> is null or has
/// already begun by the time the change arrives (reported as late). Changes apply in the order they arrive.
/// </summary>
public sealed record GroupReconfigure(IReadOnlyList<int>? TeacherGroups, long? ReloadInterval, double? DistillWeight, long? AtStep = null) : TrainingMessage;

/// <summary>Gives up (at the next step boundary) the members running on the given node, e.g. to drain it.</summary>
public sealed record ReleaseMembersOn(string NodeAddress, string Reason) : TrainingMessage;

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
    PredictionSet? Predictions,
    int Members = 0,
    double? ValidationAccuracy = null) : TrainingMessage;

/// <summary>Group -> coordinator: something a user should see in the log (failure, recovery, reconfiguration).</summary>
public sealed record GroupEvent(int Group, long Step, string Message, GroupEventKind Kind = GroupEventKind.Info) : TrainingMessage;

public enum GroupEventKind { Info, WorkerFailed, Restored, RolledBack, Paused, Reconfigured }

/// <param name="Failure">Why the group stopped before its last step (too many worker failures); null when it finished.</param>
public sealed record GroupFinished(int Group, long Steps, string? Failure = null) : TrainingMessage;
