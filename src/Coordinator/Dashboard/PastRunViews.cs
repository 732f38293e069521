namespace ActorCodistill.Coordinator.Dashboard;

// What the page gets for finished (or running) run folders under training.log-dir.

/// <summary>A run folder in the list the page offers.</summary>
public sealed record RunListItem(string Name, string Label, string Mode, string Task, int Groups, int WorkersPerGroup, DateTimeOffset StartedUtc);

/// <summary>A train record as the page plots it (every <see cref="PastRun.Stride"/>-th step of a long run).</summary>
public sealed record PastTrainPoint(int Group, long Step, double TaskLoss, double DistillLoss, bool DistillOn, double ExamplesPerSecond, IReadOnlyList<long> TeacherAge);

public sealed record PastEvalPoint(int Group, long Step, double ValLoss);

public sealed record PastMeanPoint(long Step, double MeanValLoss, int GroupsReporting);

/// <summary>One run folder read back: its curves, events and the summary <c>train</c> prints at the end.</summary>
/// <param name="Stride">Train records are shown every this many (1 = all); evaluations always all.</param>
public sealed record PastRun(RunListItem Run, IReadOnlyList<PastTrainPoint> Train, IReadOnlyList<PastEvalPoint> Eval, IReadOnlyList<PastMeanPoint> MeanValidation,
    IReadOnlyList<LiveEvent> Events, string Summary, bool Completed, int MalformedLines, int Stride);

/// <summary>Churn between the same group of two runs (two retrains), or why it could not be computed.</summary>
public sealed record ChurnView(int Group, string? Text, double? DisagreementRate, double? MeanAbsoluteDifference, string? Error);

/// <summary>Two runs side by side: the figures of <c>compare</c> and <c>churn</c>, and both runs' curves.</summary>
/// <param name="StepsToTarget">RunComparison.Format's text, with A as the baseline; null with <paramref name="StepsToTargetError"/>.</param>
public sealed record RunPair(PastRun A, PastRun B, string? StepsToTarget, string? StepsToTargetError, long? StepAtTarget, double? StepRatio,
    IReadOnlyList<ChurnView> Retrains, string ChurnBetweenGroupsA, string ChurnBetweenGroupsB);
