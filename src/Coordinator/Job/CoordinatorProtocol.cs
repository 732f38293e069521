using ActorCodistill.Cluster.Serialization;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Job;

/// <summary>
/// Messages to and from the coordinator. A topology, reload-interval or weight change takes effect in every group at
/// the same step: <c>AtStep</c> when given, else one the coordinator picks just ahead of the groups
/// (<see cref="ReconfigureSchedule"/>).
/// </summary>
/// <remarks>They cross nodes (ctl to the seed): <see cref="IProductMessage"/> binds them to the locked-down serializer on Akka.</remarks>
public abstract record CoordinatorMessage : IProductMessage;

/// <summary>A change of the job's settings that every group applies at one step.</summary>
/// <param name="AtStep">The step at which every group switches; null = the coordinator's choice.</param>
public abstract record ScheduledChange(long? AtStep) : CoordinatorMessage;

public sealed record ChangeTopology(TopologyKind Topology, long? AtStep = null) : ScheduledChange(AtStep);
public sealed record ChangeReloadInterval(long Steps, long? AtStep = null) : ScheduledChange(AtStep);
/// <summary>A new distillation weight; one far outside the usual range is applied only when <paramref name="Confirmed"/>.</summary>
public sealed record ChangeDistillWeight(double Weight, long? AtStep = null, bool Confirmed = false) : ScheduledChange(AtStep);
public sealed record StopJob(string Reason) : CoordinatorMessage;

/// <summary>Moves the job's workers off a node (its address, <c>akka.ssl.tcp://codistill@host:port</c>, or its host:port) at the next step boundary and places nothing more there.</summary>
public sealed record DrainNode(string NodeAddress) : CoordinatorMessage;
public sealed record GetStatus : CoordinatorMessage;

/// <summary>
/// The answer to a reconfiguration: accepted (persisted and forwarded) or refused with the reason; for an accepted
/// scheduled change, the step at which every group applies it.
/// </summary>
public sealed record ReconfigureResult(bool Accepted, string Message, long? AtStep = null) : CoordinatorMessage;

public sealed record JobStatus(
    string JobId,
    JobPhase Phase,
    TopologyKind Topology,
    long ReloadInterval,
    double DistillWeight,
    IReadOnlyDictionary<int, long> GroupSteps,
    long Steps,
    IReadOnlyList<string> RecentEvents) : CoordinatorMessage
{
    /// <summary>Where the workers run and what waits for a slot (cluster runs; empty embedded).</summary>
    public IReadOnlyList<string> Placement { get; init; } = [];

    /// <summary>Live members per group at the last completed step.</summary>
    public IReadOnlyDictionary<int, int> GroupMembers { get; init; } = new Dictionary<int, int>();
}

/// <summary>Sent to the job's owner when every group has finished.</summary>
/// <param name="Failures">Why groups stopped before their last step (too many worker failures); empty when every group
/// finished. A job with failures is not journalled as finished, so the same run folder resumes once the cause is fixed.</param>
public sealed record JobCompleted(string JobId, JobStatus Status, long CheckpointBytes, long AllreduceBytes) : CoordinatorMessage
{
    public IReadOnlyList<string> Failures { get; init; } = [];
}
