using ActorCodistill.Cluster.Configuration;
using ActorCodistill.Coordinator.Experiments;

namespace ActorCodistill.Coordinator.Tests.Experiments;

[Trait("Category", "Unit")]
public sealed class ExperimentConfigTests
{
    [Fact]
    public void EveryFullExperiment_HasATinyVariant_WithTheSameVariants()
    {
        var full = ExperimentFiles.Full.ToList();
        Assert.True(full.Count >= 9, $"expected the issue's experiments in {ExperimentFiles.Folder}");
        foreach (var file in full)
        {
            var tinyFile = ExperimentFiles.TinyConfig(Path.GetFileNameWithoutExtension(file));
            Assert.True(File.Exists(tinyFile), $"{file} has no tiny variant {tinyFile}");
            var (big, tiny) = (ExperimentConfig.Load(file), ExperimentConfig.Load(tinyFile));
            Assert.Equal(big.Variants.Select(v => v.Baseline), tiny.Variants.Select(v => v.Baseline));
            Assert.Equal(big.Variants.Count, tiny.Variants.Count);
            Assert.Equal(big.Reference is null, tiny.Reference is null);
            Assert.Equal(big.Ensembles.Count, tiny.Ensembles.Count);
        }
    }

    [Fact]
    public void EveryExperimentConfig_ExpandsAndValidatesAgainstReferenceConf()
    {
        foreach (var file in ExperimentFiles.Full.Concat(ExperimentFiles.Tiny))
        {
            var spec = ExperimentConfig.Load(file);
            var plans = ExperimentGrid.Expand(spec);
            var jobs = ExperimentGrid.Validate(spec, plans);
            Assert.Equal(spec.Variants.Sum(v => (v.Seeds ?? spec.Seeds).Count), plans.Count);
            Assert.Equal(plans.Count, plans.Select(p => p.RunName).Distinct().Count());
            Assert.All(jobs.Zip(plans, (job, plan) => (Job: job, Plan: plan)), j => Assert.Equal(j.Plan.Variant.Baseline, j.Job.Baseline));
        }
    }

    [Fact]
    public void Expand_GivesEachVariantEachSeed_WithLaterSettingsWinning()
    {
        var file = Write("""
            experiment {
              name = grid, seeds = [3, 4], log-dir = "somewhere"
              set { training.steps = 40, training.eval-interval = 10 }
              variants {
                base { baseline = on }
                fast { set.training { steps = 50, reload-interval = 7 }, seeds = [9] }
              }
            }
            """);
        var spec = ExperimentConfig.Load(file);
        var plans = ExperimentGrid.Expand(spec, new Dictionary<string, string?> { ["training.eval-interval"] = "5" });
        Assert.Equal(["base-seed3", "base-seed4", "fast-seed9"], plans.Select(p => p.RunName));
        Assert.Equal("40", plans[0].Overrides["training.steps"]);
        Assert.Equal("50", plans[2].Overrides["training.steps"]);
        Assert.Equal("7", plans[2].Overrides["training.reload-interval"]);
        Assert.Equal("9", plans[2].Overrides["training.seed"]);
        Assert.Equal("5", plans[1].Overrides["training.eval-interval"]);
        Assert.Equal("somewhere", plans[1].Overrides["training.log-dir"]);
        Assert.Equal("off", plans[0].Overrides["dashboard.enabled"]);
        Assert.True(plans[0].Variant.Baseline);
        Assert.False(plans[2].Variant.Baseline);
    }

    [Fact]
    public void AnUnknownExperimentKey_IsRefused_NamingFileLineAndClosestKey()
    {
        var file = Write("experiment {\n  name = x\n  variants { a { baseline = on } }\n  refrence = a\n}\n");
        var e = Assert.Throws<ConfigException>(() => ExperimentConfig.Load(file));
        Assert.Contains($"{file}:4:", e.Message);
        Assert.Contains("experiment.refrence", e.Message);
        Assert.Contains("did you mean reference", e.Message);
    }

    [Fact]
    public void AReferenceOrEnsembleThatIsNoVariant_IsRefused()
    {
        var reference = Assert.Throws<ConfigException>(() => ExperimentConfig.Load(Write("experiment { variants { a { baseline = on } }, reference = b }")));
        Assert.Contains("experiment.reference", reference.Message);
        Assert.Contains("'b' is none of them", reference.Message);
        var ensemble = Assert.Throws<ConfigException>(() => ExperimentConfig.Load(Write("experiment { variants { a { baseline = on }, c { } }, ensembles = [c] }")));
        Assert.Contains("experiment.ensembles.0", ensemble.Message);
        Assert.Contains("not a baseline", ensemble.Message);
    }

    [Fact]
    public void ATeacherFromThatIsNoEarlierVariant_OrABaseline_IsRefused()
    {
        var later = Assert.Throws<ConfigException>(() => ExperimentConfig.Load(Write("experiment { variants { s { teacher-from = t }, t { baseline = on } } }")));
        Assert.Contains("experiment.variants.s.teacher-from", later.Message);
        Assert.Contains("'t' comes later", later.Message);
        var none = Assert.Throws<ConfigException>(() => ExperimentConfig.Load(Write("experiment { variants { t { baseline = on }, s { teacher-from = u } } }")));
        Assert.Contains("'u' is not a variant", none.Message);
        var baseline = Assert.Throws<ConfigException>(() => ExperimentConfig.Load(Write("experiment { variants { t { baseline = on }, s { baseline = on, teacher-from = t } } }")));
        Assert.Contains("this one is a baseline", baseline.Message);
        var seeds = Assert.Throws<ConfigException>(() => ExperimentConfig.Load(Write("experiment { seeds = [1, 2], variants { t { baseline = on, seeds = [1] }, s { teacher-from = t } } }")));
        Assert.Contains("no run of seed(s) 2", seeds.Message);
        Assert.Equal("t", ExperimentConfig.Load(Write("experiment { variants { t { baseline = on }, s { teacher-from = t } } }")).Variants[1].TeacherFrom);
    }

    [Fact]
    public void AnUnknownTrainerKey_IsRefusedBeforeAnyRun_NamingTheExperimentLineThatSetIt()
    {
        var file = Write("experiment {\n  variants {\n    a { baseline = on }\n    b { set.training.stepz = 3 }\n  }\n}\n");
        var spec = ExperimentConfig.Load(file);
        var e = Assert.Throws<ArgumentException>(() => ExperimentGrid.Validate(spec, ExperimentGrid.Expand(spec)));
        Assert.Contains($"{file}:4:", e.Message);
        Assert.Contains("run b-seed1", e.Message);
        Assert.Contains("training.stepz", e.Message);
        Assert.Contains("did you mean training.steps", e.Message);
    }

    [Fact]
    public void ABadTrainerValue_IsRefusedBeforeAnyRun()
    {
        var file = Write("experiment { variants { a { set.training.topology = star } } }");
        var spec = ExperimentConfig.Load(file);
        var e = Assert.Throws<ArgumentException>(() => ExperimentGrid.Validate(spec, ExperimentGrid.Expand(spec)));
        Assert.Contains("training.topology", e.Message);
        Assert.Contains("star", e.Message);
    }

    private static string Write(string text)
    {
        var path = Path.Combine(ExperimentFiles.Scratch("config"), "experiment.conf");
        File.WriteAllText(path, text);
        return path;
    }
}
