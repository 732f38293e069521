using System.Globalization;
using ActorCodistill.Cluster.Configuration;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Experiments;

/// <summary>
/// The runs of an experiment: every variant once per seed, in the order the file lists them (a variant's seeds in
/// order), each a run folder <c>&lt;variant&gt;-seed&lt;S&gt;</c> under the experiment's log dir.
/// </summary>
public static class ExperimentGrid
{
    /// <summary>
    /// The overrides of each run, later wins: dashboard off (an experiment runs unattended), the experiment's <c>set</c>,
    /// the variant's <c>set</c>, the seed and log dir, then <paramref name="commandLine"/> (<c>experiment --set</c>).
    /// </summary>
    public static IReadOnlyList<RunPlan> Expand(ExperimentSpec spec, IReadOnlyDictionary<string, string?>? commandLine = null)
    {
        var plans = new List<RunPlan>();
        foreach (var variant in spec.Variants)
        {
            foreach (var seed in variant.Seeds ?? spec.Seeds)
            {
                var overrides = new Dictionary<string, string?>(StringComparer.Ordinal) { ["dashboard.enabled"] = "off" };
                foreach (var setting in spec.Settings.Concat(variant.Settings)) overrides[setting.Key] = setting.Value;
                // Two-phase distillation: the teacher run's folder until the runner, once that run has finished, names its
                // newest checkpoint file (ExperimentRunner.TeacherCheckpointOf); a job spec reads either the same way.
                if (variant.TeacherFrom is { } teacher)
                    overrides[FixedTeacher.Key] = Path.Combine(spec.LogDir, RunName(teacher, seed), "checkpoints");
                overrides["training.seed"] = seed.ToString(CultureInfo.InvariantCulture);
                overrides["training.log-dir"] = spec.LogDir;
                foreach (var (key, value) in commandLine ?? new Dictionary<string, string?>()) overrides[key] = value;
                plans.Add(new RunPlan(RunName(variant.Name, seed), variant, seed, overrides));
            }
        }
        return plans;
    }

    public static string RunName(string variant, long seed) => string.Create(CultureInfo.InvariantCulture, $"{variant}-seed{seed}");

    /// <summary>
    /// Reads every run's configuration as <c>train</c> will (reference.conf, the trainer config, the overrides) before
    /// any run starts, so a typo in the last variant does not surface after an hour of training. An error names the
    /// experiment file's line that set the key, when it was set there. Returns each run's job spec.
    /// </summary>
    public static IReadOnlyList<JobSpec> Validate(ExperimentSpec spec, IReadOnlyList<RunPlan> plans)
    {
        var specs = new List<JobSpec>();
        foreach (var plan in plans)
        {
            try
            {
                var config = ConfigLoader.Load(spec.TrainerConfig, plan.Overrides.ToDictionary(kv => kv.Key, kv => kv.Value));
                specs.Add(JobSpecReader.Read(new SettingsReader(config), plan.Variant.Baseline));
            }
            catch (ConfigException e)
            {
                var setting = plan.Variant.Settings.Concat(spec.Settings).FirstOrDefault(s => string.Equals(s.Key, e.Key, StringComparison.OrdinalIgnoreCase));
                var where = setting is null ? spec.SourceFile : setting.Origin;
                throw new ArgumentException($"{where}: experiment {spec.Name}, run {plan.RunName} (variant {plan.Variant.Name}): {e.Message}", e);
            }
        }
        return specs;
    }
}
