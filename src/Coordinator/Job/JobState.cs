using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Job;

public enum JobPhase { Created, BurnIn, Distilling, Stopping, Finished }

/// <summary>What the coordinator persists: every change of the job's state, in order.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "$type")]
[JsonDerivedType(typeof(JobStarted), "job-started")]
[JsonDerivedType(typeof(DistillationEnabled), "distillation-enabled")]
[JsonDerivedType(typeof(TopologyChanged), "topology-changed")]
[JsonDerivedType(typeof(ReloadIntervalChanged), "reload-interval-changed")]
[JsonDerivedType(typeof(DistillWeightChanged), "distill-weight-changed")]
[JsonDerivedType(typeof(GroupCheckpointed), "group-checkpointed")]
[JsonDerivedType(typeof(WorkerFailed), "worker-failed")]
[JsonDerivedType(typeof(JobStopRequested), "job-stop-requested")]
[JsonDerivedType(typeof(NodeDrained), "node-drained")]
[JsonDerivedType(typeof(JobFinished), "job-finished")]
public abstract record JobEvent
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    public byte[] Serialize() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    public static JobEvent Deserialize(byte[] payload, string source) =>
        JsonSerializer.Deserialize<JobEvent>(payload, Json)
        ?? throw new InvalidDataException($"{source}: empty job event");
}

public sealed record JobStarted(string JobId, bool Baseline, int Groups, TopologyKind Topology, long ReloadInterval, double DistillWeight, long Steps) : JobEvent;
public sealed record DistillationEnabled(int Group, long Step) : JobEvent;
// AtStep: the step at which every group applies the change (0 in journals written before changes were scheduled:
// a resumed job applies those from its first step, as it did then).
public sealed record TopologyChanged(TopologyKind Topology, long AtStep = 0) : JobEvent;
public sealed record ReloadIntervalChanged(long Steps, long AtStep = 0) : JobEvent;
public sealed record DistillWeightChanged(double Weight, long AtStep = 0) : JobEvent;
public sealed record GroupCheckpointed(int Group, long Step) : JobEvent;
public sealed record WorkerFailed(int Group, long Step, string Reason) : JobEvent;
public sealed record JobStopRequested(string Reason) : JobEvent;
public sealed record NodeDrained(string NodeAddress) : JobEvent;
public sealed record JobFinished(IReadOnlyDictionary<int, long> GroupSteps) : JobEvent;

/// <summary>
/// The coordinator's job state as an immutable value: <see cref="Apply"/> returns the next state, so
/// recovery is a fold over the journal and the logic is testable without actors.
/// </summary>
public sealed record JobState(
    string JobId,
    JobPhase Phase,
    bool Baseline,
    int Groups,
    TopologyKind Topology,
    long ReloadInterval,
    double DistillWeight,
    long Steps,
    ImmutableDictionary<int, long> CheckpointedSteps,
    ImmutableHashSet<int> DistillingGroups,
    int Failures)
{
    /// <summary>Nodes drained by an operator: nothing is placed there again in this job.</summary>
    public ImmutableHashSet<string> DrainedNodes { get; init; } = ImmutableHashSet<string>.Empty;

    /// <summary>The settings the job started with (<see cref="JobStarted"/>); the current ones are the fields above.</summary>
    public JobStarted? Start { get; init; }

    /// <summary>
    /// Every accepted topology, reload-interval and weight change with the step it applies at, in order (steps never
    /// decrease): a restarted coordinator hands the groups the starting settings and replays these.
    /// </summary>
    public ImmutableList<SettingChange> Schedule { get; init; } = ImmutableList<SettingChange>.Empty;

    /// <summary>The step of the last scheduled change (0: none).</summary>
    public long LastScheduledStep => Schedule.IsEmpty ? 0 : Schedule[^1].AtStep;

    /// <summary>The reload interval in effect at <paramref name="step"/> (the schedule applied up to that step).</summary>
    public long ReloadIntervalAt(long step) =>
        Schedule.LastOrDefault(c => c.ReloadInterval is not null && c.AtStep <= step)?.ReloadInterval ?? Start?.ReloadInterval ?? ReloadInterval;

    public static JobState Empty { get; } = new("", JobPhase.Created, false, 0, TopologyKind.Pairwise, 0, 0, 0,
        ImmutableDictionary<int, long>.Empty, ImmutableHashSet<int>.Empty, 0);

    public JobState Apply(JobEvent e) => e switch
    {
        JobStarted s => this with
        {
            JobId = s.JobId, Phase = JobPhase.BurnIn, Baseline = s.Baseline, Groups = s.Groups, Topology = s.Topology,
            ReloadInterval = s.ReloadInterval, DistillWeight = s.DistillWeight, Steps = s.Steps, Start = s,
        },
        DistillationEnabled d => this with
        {
            DistillingGroups = DistillingGroups.Add(d.Group),
            Phase = Phase == JobPhase.BurnIn ? JobPhase.Distilling : Phase,
        },
        TopologyChanged t => this with { Topology = t.Topology, Schedule = Schedule.Add(new SettingChange(t.AtStep, t.Topology, null, null)) },
        ReloadIntervalChanged r => this with { ReloadInterval = r.Steps, Schedule = Schedule.Add(new SettingChange(r.AtStep, null, r.Steps, null)) },
        DistillWeightChanged w => this with { DistillWeight = w.Weight, Schedule = Schedule.Add(new SettingChange(w.AtStep, null, null, w.Weight)) },
        GroupCheckpointed c => this with { CheckpointedSteps = CheckpointedSteps.SetItem(c.Group, c.Step) },
        WorkerFailed => this with { Failures = Failures + 1 },
        JobStopRequested => this with { Phase = JobPhase.Stopping },
        NodeDrained n => this with { DrainedNodes = DrainedNodes.Add(n.NodeAddress) },
        JobFinished => this with { Phase = JobPhase.Finished },
        _ => throw new ArgumentException($"unknown job event {e.GetType().Name}"),
    };

    /// <summary>The largest distillation weight applied without a confirmation.</summary>
    public const double MaxPlausibleDistillWeight = 10;

    /// <summary>Why a reconfiguration is refused, or null when it is allowed now.</summary>
    public string? Refuse(CoordinatorMessage change) => change switch
    {
        _ when Phase is JobPhase.Stopping or JobPhase.Finished => $"the job is {Phase.ToString().ToLowerInvariant()}",
        ChangeTopology t when t.Topology == TopologyKind.Pairwise && Groups != 2 =>
            $"topology 'pairwise' needs exactly 2 groups, the job has {Groups}",
        DrainNode d when string.IsNullOrWhiteSpace(d.NodeAddress) || !d.NodeAddress.Contains("://", StringComparison.Ordinal) =>
            $"drain needs a worker node's address like akka.ssl.tcp://codistill@host:port (or its host:port), got '{d.NodeAddress}'",
        ChangeReloadInterval r when r.Steps < 1 => $"reload interval must be >= 1 step, got {r.Steps}",
        ChangeDistillWeight w when !(w.Weight >= 0) || double.IsInfinity(w.Weight) => $"distillation weight must be finite and >= 0, got {w.Weight}",
        // An operator's typo (1e9 for 1) would swamp the task loss for the rest of the run; it takes a confirmation.
        ChangeDistillWeight w when w.Weight > MaxPlausibleDistillWeight && !w.Confirmed =>
            $"distillation weight {w.Weight} is far above the usual range (0 to {MaxPlausibleDistillWeight}; the paper uses 1): " +
            "repeat with --confirm to apply it",
        _ when Baseline && change is ChangeTopology or ChangeDistillWeight => "a baseline run has no distillation to reconfigure",
        _ => null,
    };
}

/// <summary>One scheduled change of the job's settings: what changes (the others null) and the step it applies at.</summary>
public sealed record SettingChange(long AtStep, TopologyKind? Topology, long? ReloadInterval, double? DistillWeight);
