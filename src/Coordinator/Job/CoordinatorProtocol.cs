using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Job;

/// <summary>Messages to and from the coordinator. Reconfiguration applies at each group's next step boundary.</summary>
public abstract record CoordinatorMessage;

public sealed record ChangeTopology(TopologyKind Topology) : CoordinatorMessage;
public sealed record ChangeReloadInterval(long Steps) : CoordinatorMessage;
public sealed record ChangeDistillWeight(double Weight) : CoordinatorMessage;
public sealed record StopJob(string Reason) : CoordinatorMessage;
public sealed record GetStatus : CoordinatorMessage;

/// <summary>The answer to a reconfiguration: accepted (persisted and forwarded) or refused with the reason.</summary>
public sealed record ReconfigureResult(bool Accepted, string Message) : CoordinatorMessage;

public sealed record JobStatus(
    string JobId,
    JobPhase Phase,
    TopologyKind Topology,
    long ReloadInterval,
    double DistillWeight,
    IReadOnlyDictionary<int, long> GroupSteps,
    long Steps,
    IReadOnlyList<string> RecentEvents) : CoordinatorMessage;

/// <summary>Sent to the job's owner when every group has finished.</summary>
public sealed record JobCompleted(string JobId, JobStatus Status, long CheckpointBytes, long AllreduceBytes) : CoordinatorMessage;
