namespace ActorCodistill.Workers.Training;

/// <summary>Which teacher copies a group loads at a reload boundary (see <see cref="JobSpec.ReloadMode"/>).</summary>
public enum ReloadMode { Newest, Exact }

/// <summary>
/// The number format teacher replicas compute in (<c>training.teacher-precision</c>): float32, or bfloat16 (about half
/// the time of a float32 teacher forward on a CPU with AVX512-BF16 or AMX; probabilities within ~1e-2 of float32's).
/// </summary>
public enum TeacherPrecision { Float32, BFloat16 }

/// <summary>How the distillation term is formed and weighted.</summary>
public sealed record DistillSpec(DistillLoss Loss, double Weight, double Temperature)
{
    public static DistillSpec Default { get; } = new(DistillLoss.CrossEntropy, 1.0, 1.0);
}

/// <summary>Optimizer family and learning rate (paper: Adam for the LM, Adagrad for Criteo).</summary>
public sealed record OptimizerSpec(string Kind, double LearningRate);

/// <summary>Sizes of the LSTM language model (paper: embedding 256, 2 x 1024 LSTM with layer norm, 24k word pieces).</summary>
public sealed record LmModelSpec(int VocabSize, int Embedding, int Hidden, int Layers, bool LayerNorm, double Dropout);

/// <summary>Sizes of the click-through-rate DNN (paper: 2560-1024-256 ReLU, logistic output).</summary>
public sealed record CtrModelSpec(int HashBuckets, int EmbeddingDim, IReadOnlyList<int> Hidden);

/// <summary>Where the data comes from and how it is split.</summary>
public sealed record DataSpec(
    string Corpus,
    string CorpusPath,
    string KjvCommand,
    double ValidationFraction,
    string ShardMode,
    int TokenizerVocabSize,
    string TokenizerPath,
    int BatchSize,
    int Window,
    int ValidationBatches);

/// <summary>
/// What to run (the spec), as opposed to a running worker's place in it (group, slot, incarnation).
/// Everything a worker needs to build its model, optimizer and data shard deterministically, so the
/// same spec gives the same run in one process or across nodes.
/// </summary>
public sealed record JobSpec(
    string Task,
    int Groups,
    int WorkersPerGroup,
    long Steps,
    long BurnInSteps,
    long ReloadInterval,
    TopologyKind Topology,
    DistillSpec Distill,
    bool Baseline,
    long Seed,
    long EvalInterval,
    OptimizerSpec Optimizer,
    LmModelSpec Lm,
    CtrModelSpec Ctr,
    DataSpec Data,
    int TorchThreads,
    int BlasThreads)
{
    /// <summary>How groups react to failed, hung or missing workers (not part of what is computed).</summary>
    public FailureSpec Failures { get; init; } = FailureSpec.Default;

    /// <summary>
    /// Largest ring allreduce segment in KiB (<c>training.allreduce-segment-kib</c>); 0 = whole chunks. Not part of
    /// what is computed: the sums are the same bits either way.
    /// </summary>
    public int AllreduceSegmentKiB { get; init; } = 1024;

    /// <summary>
    /// Which teacher copies a group loads at its reload boundaries (<c>training.reload-mode</c>): the newest that has
    /// arrived (the default; groups never wait for each other), or exactly the copy each teacher group took after the
    /// step before the boundary, waiting for it, so a run is reproducible bit for bit.
    /// </summary>
    public ReloadMode ReloadMode { get; init; } = ReloadMode.Newest;

    /// <summary>
    /// Cap in bytes on the idle CPU tensor memory each training process keeps for reuse (<c>memory.host-cache</c>,
    /// <see cref="TorchSetup.ApplyHostCache"/>); 0 = no cache. Like the thread counts, a process setting,
    /// not part of what is computed.
    /// </summary>
    public long HostCacheBytes { get; init; } = TorchSetup.DefaultHostCacheBytes;

    /// <summary>
    /// A user task's own settings (<c>tasks.NAME.settings</c>, flattened: key -> value), handed to it as
    /// <see cref="Tasks.TaskContext.Settings"/>; empty for the built-in tasks, whose settings are the typed ones above.
    /// </summary>
    public IReadOnlyDictionary<string, string> TaskSettings { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Label smoothing of the task loss in training (<c>training.label-smoothing</c>, epsilon in [0, 1)): the target is
    /// (1 - epsilon) x the label + epsilon x the uniform distribution over the classes (binary: over {0, 1}), as PyTorch's
    /// <c>cross_entropy(label_smoothing=)</c>. Validation loss and the logged task loss stay the plain cross-entropy, so
    /// runs with and without it compare (paper section 3.2: label smoothing as an alternative to codistillation).
    /// </summary>
    public double LabelSmoothing { get; init; }

    /// <summary>What teacher replicas compute in (<c>training.teacher-precision</c>; <c>auto</c> is resolved when read).</summary>
    public TeacherPrecision TeacherPrecision { get; init; } = TeacherPrecision.Float32;

    /// <summary>
    /// Two-phase distillation: the recovery checkpoint file the job's one group distills from after burn-in
    /// (<c>training.distill.teacher-checkpoint</c>, <see cref="FixedTeacher"/>); empty: teachers are the live groups.
    /// </summary>
    public string FixedTeacher { get; init; } = "";

    public bool HasFixedTeacher => FixedTeacher.Length > 0;

    /// <summary>Distillation is on for this step (the step about to run, counted from 1).</summary>
    public bool DistillActiveAt(long step) => !Baseline && step > BurnInSteps && (Groups > 1 || HasFixedTeacher);

    /// <summary>Teacher copies are exported after these steps and loaded at these boundaries.</summary>
    public bool IsReloadBoundary(long step) => ReloadInterval > 0 && step % ReloadInterval == 0;

    public void Validate()
    {
        if (Groups < 1) throw new ArgumentException($"training.groups must be >= 1, got {Groups}");
        if (WorkersPerGroup < 1) throw new ArgumentException($"training.workers-per-group must be >= 1, got {WorkersPerGroup}");
        if (Steps < 1) throw new ArgumentException($"training.steps must be >= 1, got {Steps}");
        if (ReloadInterval < 1) throw new ArgumentException($"training.reload-interval must be >= 1, got {ReloadInterval}");
        if (BurnInSteps < 0) throw new ArgumentException($"training.burn-in-steps must be >= 0, got {BurnInSteps}");
        if (HasFixedTeacher && Groups != 1)
            throw new ArgumentException($"{Training.FixedTeacher.Key} needs training.groups = 1 (a student distilled from a trained model; " +
                                        $"groups that teach each other are codistillation), got {Groups} groups");
        if (!Baseline && !HasFixedTeacher) Training.Topology.Validate(Topology, Groups);
        Failures.Validate(WorkersPerGroup);
        if (AllreduceSegmentKiB < 0) throw new ArgumentException($"training.allreduce-segment-kib must be >= 0, got {AllreduceSegmentKiB}");
        if (HostCacheBytes < 0) throw new ArgumentException($"memory.host-cache must be >= 0 bytes, got {HostCacheBytes}");
    }
}

/// <summary>
/// Failure handling of a group: below <paramref name="MinWorkersPerGroup"/> live members it pauses until replacements
/// come; a step that takes longer than <paramref name="StepTimeout"/> gets its members probed, and one that does not
/// answer within <paramref name="ProbeTimeout"/> is treated as failed and fenced; every
/// <paramref name="CheckpointInterval"/> steps the group keeps rank 0's full state for recovery.
/// </summary>
public sealed record FailureSpec(int MinWorkersPerGroup, TimeSpan StepTimeout, TimeSpan ProbeTimeout, long CheckpointInterval, int MaxWorkerFailures,
    TimeSpan? TeacherRetryInterval = null)
{
    public static FailureSpec Default { get; } = new(1, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(5), 50, 20);

    /// <summary>
    /// How long a member holding a plan waits for the teacher copies it names before asking its group again, and then
    /// between asks: <c>teacher-retry-interval</c>, or a quarter of the step timeout when that key is not set.
    /// </summary>
    public TimeSpan EffectiveTeacherRetry => TeacherRetryInterval ?? StepTimeout / 4;

    public void Validate(int workersPerGroup)
    {
        if (MinWorkersPerGroup < 1 || MinWorkersPerGroup > workersPerGroup)
            throw new ArgumentException($"training.failures.min-workers-per-group must be in [1, {workersPerGroup}] (workers-per-group), got {MinWorkersPerGroup}");
        if (StepTimeout <= TimeSpan.Zero) throw new ArgumentException($"training.failures.step-timeout must be > 0, got {StepTimeout}");
        if (ProbeTimeout <= TimeSpan.Zero) throw new ArgumentException($"training.failures.probe-timeout must be > 0, got {ProbeTimeout}");
        if (CheckpointInterval < 1) throw new ArgumentException($"training.failures.checkpoint-interval must be >= 1 step, got {CheckpointInterval}");
        if (MaxWorkerFailures < 0) throw new ArgumentException($"training.failures.max-worker-failures must be >= 0, got {MaxWorkerFailures}");
        if (TeacherRetryInterval is { } retry && (retry <= TimeSpan.Zero || retry >= StepTimeout))
            throw new ArgumentException(
                $"training.failures.teacher-retry-interval must be > 0 and shorter than step-timeout ({StepTimeout}), got {retry}: a member asks for a missing teacher copy before its step would time out");
    }
}
