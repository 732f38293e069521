using ActorCodistill.Workers.Data;

namespace ActorCodistill.Coordinator.Tests.Experiments;

/// <summary>The repository's experiment configs, and a scratch folder per test for their runs and reports.</summary>
internal static class ExperimentFiles
{
    public static string Folder { get; } = Find();

    public static IEnumerable<string> Full => Directory.GetFiles(Folder, "*.conf").Order(StringComparer.Ordinal);

    public static IEnumerable<string> Tiny => Directory.GetFiles(Path.Combine(Folder, "tiny"), "*.conf")
        .Where(f => !Path.GetFileName(f).StartsWith("tiny-", StringComparison.Ordinal)).Order(StringComparer.Ordinal);

    public static string TinyConfig(string name) => Path.Combine(Folder, "tiny", name + ".conf");

    public static string Scratch(string what)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"codistill-experiment-{what}-{Guid.NewGuid().ToString("N")[..8]}");
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>
    /// What a tiny experiment needs beside its config: runs and report in <paramref name="scratch"/>; the folder corpus
    /// (a generated one) and the synthetic Criteo file for the experiments that read them.
    /// </summary>
    public static Dictionary<string, string?> Overrides(string config, string scratch)
    {
        var overrides = new Dictionary<string, string?> { ["training.log-dir"] = Path.Combine(scratch, "runs") };
        var name = Path.GetFileNameWithoutExtension(config);
        if (name == "lm-folder-steps") overrides["data.corpus-path"] = Job.TinyJobs.CorpusFolder();
        if (name == "churn-ctr") overrides["data.corpus-path"] = CriteoSyntheticGenerator.WriteFile(scratch, 2000, 7);
        return overrides;
    }

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "hocon", "experiments");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException($"hocon/experiments not found above {AppContext.BaseDirectory}");
    }
}
