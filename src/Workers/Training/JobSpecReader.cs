using ActorCodistill.Cluster.Configuration;

namespace ActorCodistill.Workers.Training;

/// <summary>Binds the training keys of the configuration (hocon/reference.conf) into a validated <see cref="JobSpec"/>.</summary>
public static class JobSpecReader
{
    public static JobSpec Read(SettingsReader root, bool baseline = false)
    {
        var t = root.At("training");
        var task = t.GetString("model", allowEmpty: false).Trim();
        var builtIn = Tasks.TaskRegistry.BuiltInNames.Contains(task);
        if (!builtIn && !root.Exists($"tasks.{task}"))
            throw t.Error("model", $"a built-in task ({string.Join(", ", Tasks.TaskRegistry.BuiltInNames)}) or one declared under tasks",
                $"'{task}' is neither");
        var groups = t.GetInt("groups", 1, 64);
        var topologyKey = t.GetOneOf("topology", "pairwise", "ring", "all-to-all");
        var topology = Topology.Parse(topologyKey);
        var fixedTeacher = t.At("distill").GetString("teacher-checkpoint").Trim();
        if (!baseline && fixedTeacher.Length == 0 && topology == TopologyKind.Pairwise && groups != 2)
            throw t.Error("topology", "ring or all-to-all for a job with " + groups + " groups", "pairwise needs exactly 2 groups");

        var d = t.At("distill");
        var distill = new DistillSpec(
            Distillation.Parse(d.GetOneOf("loss", "cross-entropy", "kl", "squared-error")),
            d.GetDouble("weight", 0),
            d.GetDouble("temperature", 0, double.PositiveInfinity, minExclusive: true));

        var lm = root.At("model.lstm-lm");
        var lmSpec = new LmModelSpec(lm.GetInt("vocab-size", 260), lm.GetInt("embedding", 1), lm.GetInt("hidden", 1),
            lm.GetInt("layers", 1, 16), lm.GetBool("layer-norm"), lm.GetDouble("dropout", 0, 1));
        var ctr = root.At("model.ctr");
        var ctrSpec = new CtrModelSpec(ctr.GetInt("hash-buckets", 2), ctr.GetInt("embedding", 1),
            ctr.GetStringList("hidden").Select((s, i) => int.TryParse(s, out var v) && v > 0
                ? v
                : throw ctr.Error($"hidden.{i}", "a positive layer width", $"'{s}' is not one")).ToArray());

        var data = root.At("data");
        var dataSpec = new DataSpec(
            data.GetOneOf("corpus", "kjv", "folder", "criteo", "fashion-mnist"),
            data.GetString("corpus-path"),
            data.GetString("kjv-command"),
            data.GetDouble("validation-fraction", 0, 1, minExclusive: true),
            data.GetOneOf("shard-mode", "disjoint", "shared"),
            data.GetInt("tokenizer.vocab-size", 260),
            data.GetString("tokenizer.path"),
            t.GetInt("batch-size", 1),
            t.GetInt("bptt", 1),
            data.GetInt("validation-batches", 1));
        if (task == "lstm-lm" && dataSpec.TokenizerVocabSize > lmSpec.VocabSize)
            throw data.Error("tokenizer.vocab-size", $"at most model.lstm-lm.vocab-size ({lmSpec.VocabSize})", $"{dataSpec.TokenizerVocabSize} is larger");

        var threads = root.At("threads");
        var spec = new JobSpec(
            task, groups, t.GetInt("workers-per-group", 1, 64), t.GetLong("steps", 1), t.GetLong("burn-in-steps", 0),
            t.GetLong("reload-interval", 1), topology, distill, baseline, t.GetLong("seed"), t.GetLong("eval-interval", 0),
            new OptimizerSpec(t.GetOneOf("optimizer", "adam", "adagrad", "sgd"), t.GetDouble("learning-rate", 0, double.PositiveInfinity, minExclusive: true)),
            lmSpec, ctrSpec, dataSpec, threads.GetInt("torch-intra-op", 1, 256), threads.GetInt("blas", 1, 256))
        {
            Failures = ReadFailures(t.At("failures")),
            AllreduceSegmentKiB = t.GetInt("allreduce-segment-kib", 0, 1 << 20),
            ReloadMode = t.GetEnum<ReloadMode>("reload-mode"),
            TeacherPrecision = t.GetOneOf("teacher-precision", "auto", "float32", "bfloat16") switch
            {
                "float32" => TeacherPrecision.Float32,
                "bfloat16" => TeacherPrecision.BFloat16,
                _ => TorchSetup.CpuHasFastBFloat16() ? TeacherPrecision.BFloat16 : TeacherPrecision.Float32,
            },
            LabelSmoothing = t.GetDouble("label-smoothing", 0, 1) is var e && e < 1
                ? e
                : throw t.Error("label-smoothing", "a number in [0, 1)", "1 would train on the uniform distribution alone, not the labels"),
            HostCacheBytes = root.At("memory").GetSize("host-cache"),
            FixedTeacher = fixedTeacher,
            TaskSettings = builtIn ? new Dictionary<string, string>() : Tasks.TaskRegistry.SettingsOf(root, task),
        };
        spec.Validate();
        return spec;
    }

    private static FailureSpec ReadFailures(SettingsReader f) => new(
        f.GetInt("min-workers-per-group", 1),
        f.GetDuration("step-timeout", TimeSpan.FromMilliseconds(1)),
        f.GetDuration("probe-timeout", TimeSpan.FromMilliseconds(1)),
        f.GetLong("checkpoint-interval", 1),
        f.GetInt("max-worker-failures", 0),
        f.GetString("teacher-retry-interval").Trim() is "auto" or "" ? null : f.GetDuration("teacher-retry-interval", TimeSpan.FromMilliseconds(1)));
}
