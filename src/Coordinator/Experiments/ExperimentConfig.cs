using System.Globalization;
using ActorCodistill.Cluster.Configuration;

namespace ActorCodistill.Coordinator.Experiments;

/// <summary>
/// Reads <c>hocon/experiments/NAME.conf</c> into an <see cref="ExperimentSpec"/>. Every key is checked: one the format
/// does not define, a value of the wrong type, a reference to a variant that does not exist, is an error naming the
/// file, line and column and the key (as the trainer's configuration errors do). Trainer keys under <c>set</c> are
/// checked later, against reference.conf, by <see cref="ExperimentGrid.Validate"/>.
/// </summary>
public static class ExperimentConfig
{
    private static readonly string[] ExperimentKeys =
        ["name", "description", "config", "log-dir", "report-dir", "seeds", "set", "variants", "reference", "churn", "ensembles"];

    private static readonly string[] VariantKeys = ["label", "baseline", "set", "seeds", "teacher-from"];

    public static ExperimentSpec Load(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"experiment file {path} not found", full);
        var root = Hocon.ParseFile(full);
        var shown = Path.GetRelativePath(Directory.GetCurrentDirectory(), full);
        foreach (var (key, value) in root.Fields)
            if (key != "experiment") throw Error(value, key, "only an experiment { } section", "no such key");
        if (!root.TryGetValue("experiment", out var section) || section is not HoconObject e)
            throw new ConfigException("experiment", shown, null, "an experiment { } section", "the file has none");
        CheckKeys(e, "experiment", ExperimentKeys);

        var name = String(e, "experiment", "name", Path.GetFileNameWithoutExtension(full));
        if (name.Length == 0 || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            throw Error(e.GetPath("name") ?? e, "experiment.name", "letters, digits, '-', '_' or '.' (it names folders)", $"'{name}' is not");
        var config = String(e, "experiment", "config", "");
        string? trainerConfig = null;
        if (config.Length > 0)
        {
            trainerConfig = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(full)!, config));
            if (!File.Exists(trainerConfig))
                throw Error(e.GetPath("config")!, "experiment.config", "a trainer config file, relative to the experiment file", $"{trainerConfig} does not exist");
        }
        var seeds = Seeds(e, "experiment", "seeds") ?? [1];
        if (!e.TryGetValue("variants", out var variantsValue) || variantsValue is not HoconObject variantsObject || variantsObject.Count == 0)
            throw Error(e.GetPath("variants") ?? e, "experiment.variants", "an object with one entry per variant, e.g. variants { baseline { baseline = on } }", "missing or empty");
        var variants = variantsObject.Fields.Select(kv => Variant(kv.Key, kv.Value)).ToList();
        var names = variants.Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var (variant, i) in variants.Select((v, i) => (v, i)).Where(x => x.v.TeacherFrom is not null))
        {
            var at = ((HoconObject)variantsObject[variant.Name]).GetPath("teacher-from")!;
            var source = variants.Take(i).FirstOrDefault(v => v.Name == variant.TeacherFrom);
            if (source is null)
                throw Error(at, $"experiment.variants.{variant.Name}.teacher-from", "a variant listed before this one (its runs train the teacher first)",
                    names.Contains(variant.TeacherFrom!) ? $"'{variant.TeacherFrom}' comes later" : $"'{variant.TeacherFrom}' is not a variant");
            if (variant.Baseline)
                throw Error(at, $"experiment.variants.{variant.Name}.teacher-from", "a variant that distills", "this one is a baseline");
            var missing = (variant.Seeds ?? seeds).Except(source.Seeds ?? seeds).ToList();
            if (missing.Count > 0)
                throw Error(at, $"experiment.variants.{variant.Name}.teacher-from", "a variant run with every seed of this one",
                    $"'{source.Name}' has no run of seed(s) {string.Join(", ", missing)}");
        }

        var reference = String(e, "experiment", "reference", "");
        if (reference.Length > 0 && !names.Contains(reference))
            throw Error(e.GetPath("reference")!, "experiment.reference", $"one of the variants ({string.Join(", ", names)})", $"'{reference}' is none of them");
        var ensembles = StringList(e, "experiment", "ensembles");
        foreach (var (ensemble, i) in ensembles.Select((s, i) => (s, i)))
        {
            var variant = variants.FirstOrDefault(v => v.Name == ensemble);
            if (variant is null || !variant.Baseline)
                throw Error(((HoconArray)e["ensembles"]).Items[i], $"experiment.ensembles.{i}", "a baseline variant (its groups train independently, so they are the ensemble's members)",
                    variant is null ? $"'{ensemble}' is not a variant" : $"'{ensemble}' is not a baseline");
        }

        return new ExperimentSpec(
            name, full, String(e, "experiment", "description", ""), trainerConfig,
            String(e, "experiment", "log-dir", Path.Combine("runs", "experiments", name)),
            String(e, "experiment", "report-dir", Path.Combine("docs", "experiments", name)),
            seeds, Settings(e, "experiment"), variants, reference.Length == 0 ? null : reference,
            Bool(e, "experiment", "churn", false), ensembles);
    }

    private static VariantSpec Variant(string name, HoconValue value)
    {
        var path = $"experiment.variants.{name}";
        if (value is not HoconObject v) throw Error(value, path, "an object: { baseline = on, set { ... }, seeds = [...], label = \"...\" }", "not an object");
        if (name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
            throw Error(value, path, "a variant name of letters, digits, '-' or '_' (it names run folders)", $"'{name}' is not");
        CheckKeys(v, path, VariantKeys);
        var teacherFrom = String(v, path, "teacher-from", "");
        return new VariantSpec(name, String(v, path, "label", name), Bool(v, path, "baseline", false), Settings(v, path), Seeds(v, path, "seeds"),
            teacherFrom.Length == 0 ? null : teacherFrom);
    }

    private static void CheckKeys(HoconObject o, string path, string[] allowed)
    {
        foreach (var (key, value) in o.Fields)
        {
            if (allowed.Contains(key, StringComparer.Ordinal)) continue;
            var closest = UnknownKeys.Closest(key, allowed);
            throw Error(value, $"{path}.{key}", $"one of {string.Join(", ", allowed)}", closest is null ? "no such key" : $"no such key; did you mean {closest}?");
        }
    }

    /// <summary>The trainer keys under <c>set { }</c>, flattened to dotted keys (lists become "a,b,c", as <c>--set</c> takes them).</summary>
    private static List<ExperimentSetting> Settings(HoconObject o, string path)
    {
        var settings = new List<ExperimentSetting>();
        if (!o.TryGetValue("set", out var set)) return settings;
        if (set is not HoconObject s) throw Error(set, $"{path}.set", "an object of trainer keys, e.g. set { training.steps = 2000 }", "not an object");
        void Walk(HoconValue value, string key)
        {
            switch (value)
            {
                case HoconObject child:
                    foreach (var (k, v) in child.Fields) Walk(v, key.Length == 0 ? k : $"{key}.{k}");
                    break;
                case HoconArray array:
                    var items = array.Items.Select((item, i) => item is HoconScalar { Text: { } t } ? t
                        : throw Error(item, $"{path}.set.{key}.{i}", "a scalar list element", "not a scalar")).ToList();
                    settings.Add(new ExperimentSetting(key, string.Join(",", items), array.Origin.ToString()));
                    break;
                case HoconScalar scalar:
                    settings.Add(new ExperimentSetting(key, scalar.Text ?? "", scalar.Origin.ToString()));
                    break;
            }
        }
        Walk(s, "");
        return settings;
    }

    private static string String(HoconObject o, string path, string key, string fallback) =>
        !o.TryGetValue(key, out var value) ? fallback
        : value is HoconScalar { Kind: not HoconScalarKind.Null, Text: { } text } ? text.Trim()
        : throw Error(value, $"{path}.{key}", "a string", "not a string");

    private static bool Bool(HoconObject o, string path, string key, bool fallback)
    {
        if (!o.TryGetValue(key, out var value)) return fallback;
        var text = value is HoconScalar { Text: { } t } ? t : null;
        try
        {
            return text is not null ? HoconValues.ParseBoolean(text) : throw new FormatException("not a scalar");
        }
        catch (FormatException)
        {
            throw Error(value, $"{path}.{key}", "a boolean (on/off, true/false, yes/no)", "not one");
        }
    }

    private static List<long>? Seeds(HoconObject o, string path, string key)
    {
        if (!o.TryGetValue(key, out var value)) return null;
        if (value is not HoconArray { Items.Count: > 0 } array) throw Error(value, $"{path}.{key}", "a non-empty list of integers, e.g. [1, 2, 3]", "not one");
        var seeds = array.Items.Select((item, i) =>
            item is HoconScalar { Text: { } t } && long.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed) ? seed
            : throw Error(item, $"{path}.{key}.{i}", "an integer seed", "not an integer")).ToList();
        if (seeds.Distinct().Count() != seeds.Count) throw Error(value, $"{path}.{key}", "distinct seeds", "a seed repeats");
        return seeds;
    }

    private static List<string> StringList(HoconObject o, string path, string key)
    {
        if (!o.TryGetValue(key, out var value)) return [];
        if (value is not HoconArray array) throw Error(value, $"{path}.{key}", "a list of variant names", "not a list");
        return array.Items.Select((item, i) => item is HoconScalar { Kind: HoconScalarKind.String, Text: { } t } ? t
            : throw Error(item, $"{path}.{key}.{i}", "a variant name", "not a string")).ToList();
    }

    private static ConfigException Error(HoconValue at, string key, string expected, string problem) =>
        new(key, at.Origin.ToString(), at is HoconScalar s ? s.Text : null, expected, problem);
}
