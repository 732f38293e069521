using System.Text.Json.Serialization;

namespace ActorCodistill.Coordinator.Reporting;

/// <summary>
/// One line of <c>metrics.jsonl</c>. The <c>kind</c> discriminator is written first so the file
/// can be grepped and tailed; <c>group</c> is -1 for records about the whole run.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(TrainRecord), TrainRecord.KindName)]
[JsonDerivedType(typeof(EvalRecord), EvalRecord.KindName)]
[JsonDerivedType(typeof(EventRecord), EventRecord.KindName)]
[JsonDerivedType(typeof(SummaryRecord), SummaryRecord.KindName)]
public abstract record MetricRecord(
    [property: JsonPropertyName("step"), JsonPropertyOrder(-2)] long Step,
    [property: JsonPropertyName("group"), JsonPropertyOrder(-1)] int Group,
    [property: JsonPropertyName("time_s"), JsonPropertyOrder(1)] double TimeSeconds);

/// <summary>One optimizer step of one group (losses are the group's mean over its workers).</summary>
/// <param name="TeacherAge">Steps since each teacher copy was taken; empty before the first copy arrives.</param>
public sealed record TrainRecord(
    long Step,
    int Group,
    [property: JsonPropertyName("loss")] double Loss,
    [property: JsonPropertyName("task_loss")] double TaskLoss,
    [property: JsonPropertyName("distill_loss")] double DistillLoss,
    [property: JsonPropertyName("distill_on")] bool DistillOn,
    [property: JsonPropertyName("examples_per_s")] double ExamplesPerSecond,
    [property: JsonPropertyName("teacher_age")] IReadOnlyList<long> TeacherAge,
    double TimeSeconds) : MetricRecord(Step, Group, TimeSeconds)
{
    public const string KindName = "train";
}

public sealed record EvalRecord(
    long Step,
    int Group,
    [property: JsonPropertyName("val_loss")] double ValLoss,
    double TimeSeconds,
    [property: JsonPropertyName("val_accuracy")] double? ValAccuracy = null) : MetricRecord(Step, Group, TimeSeconds)
{
    public const string KindName = "eval";
}

/// <summary>Something a reader of the curves should know happened (topology change, regroup, node lost).</summary>
public sealed record EventRecord(
    long Step,
    int Group,
    [property: JsonPropertyName("message")] string Message,
    double TimeSeconds) : MetricRecord(Step, Group, TimeSeconds)
{
    public const string KindName = "event";
}

/// <summary>
/// Last line of a run that ended cleanly. <paramref name="Counters"/> holds totals the producer
/// chose to keep (e.g. <c>bytes_sent</c>, <c>checkpoint_bytes</c>); a crashed run has no summary.
/// </summary>
public sealed record SummaryRecord(
    long Step,
    int Group,
    double TimeSeconds,
    [property: JsonPropertyName("counters")] IReadOnlyDictionary<string, long>? Counters = null) : MetricRecord(Step, Group, TimeSeconds)
{
    public const string KindName = "summary";
}
