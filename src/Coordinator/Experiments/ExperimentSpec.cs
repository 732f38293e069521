namespace ActorCodistill.Coordinator.Experiments;

/// <summary>A trainer key an experiment sets, with where it was set (file:line:col), for errors that point at it.</summary>
public sealed record ExperimentSetting(string Key, string Value, string Origin);

/// <summary>One arm of an experiment: a baseline or a codistillation setting, run once per seed.</summary>
/// <param name="Settings">Trainer keys of this arm, applied over the experiment's own <c>set</c>.</param>
/// <param name="Seeds">This arm's seeds when they differ from the experiment's; null for the experiment's.</param>
/// <param name="TeacherFrom">Two-phase distillation: the earlier variant whose run of the same seed trained the teacher;
/// this variant's runs distill from that run's newest recovery checkpoint of group 0, and count its steps in their total.</param>
public sealed record VariantSpec(string Name, string Label, bool Baseline, IReadOnlyList<ExperimentSetting> Settings, IReadOnlyList<long>? Seeds,
    string? TeacherFrom = null);

/// <summary>
/// What <c>hocon/experiments/NAME.conf</c> describes (docs/experiments.md): a named grid of ordinary runs, variants x
/// seeds, and what its report computes.
/// </summary>
/// <param name="TrainerConfig">The trainer configuration every run starts from (as <c>train --config</c>); null for reference.conf alone.</param>
/// <param name="LogDir">Parent of the runs' folders (their <c>training.log-dir</c>).</param>
/// <param name="Reference">The variant whose best mean validation loss is the target of "steps to the reference's best"; null for none.</param>
/// <param name="Churn">Report prediction churn: between the groups of each run, and between retrains (seeds) where valid.</param>
/// <param name="Ensembles">Baseline variants whose groups are also reported as an ensemble (the average of their predictions).</param>
public sealed record ExperimentSpec(
    string Name,
    string SourceFile,
    string Description,
    string? TrainerConfig,
    string LogDir,
    string ReportDir,
    IReadOnlyList<long> Seeds,
    IReadOnlyList<ExperimentSetting> Settings,
    IReadOnlyList<VariantSpec> Variants,
    string? Reference,
    bool Churn,
    IReadOnlyList<string> Ensembles);

/// <summary>One run of the grid: its folder name under the log dir and the overrides it is started with.</summary>
public sealed record RunPlan(string RunName, VariantSpec Variant, long Seed, IReadOnlyDictionary<string, string?> Overrides);
