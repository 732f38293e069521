using System.Collections;
using Microsoft.Extensions.Configuration;

namespace ActorCodistill.Cluster.Configuration;

/// <summary>
/// Builds the configuration every executable starts from. Layers, later wins:
/// <list type="number">
/// <item>hocon/reference.conf (every key with its default),</item>
/// <item>the user's file (merged with HOCON semantics, so it may use <c>${...}</c> on reference keys),</item>
/// <item>environment variables <c>CODISTILL__section__key=value</c> (double underscore separates levels),</item>
/// <item>command-line overrides (<c>--set section.key=value</c>, parsed by the caller).</item>
/// </list>
/// All four go into one HOCON document before substitutions are resolved, so an override is also
/// seen by every <c>${...}</c> that mentions its key. A key that reference.conf does not define is an error naming
/// it, where it was set and the closest known key (<see cref="UnknownKeys"/>).
/// </summary>
public static class ConfigLoader
{
    public const string EnvironmentPrefix = "CODISTILL__";

    /// <summary>Environment variable naming reference.conf explicitly (deployments that move files around).</summary>
    public const string ReferenceVariable = "CODISTILL_REFERENCE_CONF";

    public static IConfigurationRoot Load(string? configPath, IDictionary<string, string?>? commandLineOverrides,
        IDictionary? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariables();
        var referencePath = LocateReference(environment);
        var env = environment;
        var source = new HoconConfigurationSource
        {
            Environment = env,
            Layers = builder =>
            {
                builder.AddFile(referencePath);
                if (configPath is not null)
                {
                    builder.AddFile(configPath);
                }

                AddEnvironmentOverrides(builder, env);
                foreach (var (key, value) in commandLineOverrides ?? new Dictionary<string, string?>())
                {
                    builder.AddOverride(ParseOverrideKey(key), value,
                        HoconOrigin.Unpositioned($"command line --set {key}={value}"));
                }
            },
        };
        var configuration = new ConfigurationBuilder().Add(source).Build();
        if (UnknownKeys.Check(configuration, new HoconBuilder().AddFile(referencePath).Build(env)) is { } unknown) throw unknown;
        return configuration;
    }

    /// <summary>
    /// Finds reference.conf: <see cref="ReferenceVariable"/> if set, else <c>hocon/reference.conf</c> next to
    /// the assembly (copied at build time) or in any parent of it (a test or dotnet-run binary inside the
    /// repository), else in the current directory or any parent.
    /// </summary>
    /// <summary>Command-line <c>--set key=value</c> pairs as overrides for <see cref="Load"/>; a pair without '=' is an error naming it.</summary>
    public static IReadOnlyDictionary<string, string?> ParseOverrides(IEnumerable<string>? pairs)
    {
        var result = new Dictionary<string, string?>();
        foreach (var pair in pairs ?? [])
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0) throw new ArgumentException($"--set expects key=value, got '{pair}'");
            result[pair[..eq].Trim()] = pair[(eq + 1)..];
        }
        return result;
    }

    public static string LocateReference(IDictionary? environment = null) =>
        LocateReference(environment, [AppContext.BaseDirectory, Directory.GetCurrentDirectory()]);

    /// <summary>As <see cref="LocateReference(IDictionary?)"/>, walking up from each of <paramref name="searchFrom"/> in turn.</summary>
    public static string LocateReference(IDictionary? environment, IEnumerable<string> searchFrom)
    {
        environment ??= Environment.GetEnvironmentVariables();
        if (environment[ReferenceVariable] is string explicitPath && explicitPath.Length > 0)
        {
            var full = Path.GetFullPath(explicitPath);
            if (File.Exists(full))
            {
                return full;
            }

            throw new FileNotFoundException($"{ReferenceVariable}={explicitPath}, but '{full}' does not exist (expected the path of reference.conf)", full);
        }

        var looked = new List<string>();
        foreach (var candidate in searchFrom.SelectMany(Upwards).Select(Path.GetFullPath).Distinct())
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }

            looked.Add(candidate);
        }

        throw new FileNotFoundException(
            "hocon/reference.conf not found. Looked in:\n  " + string.Join("\n  ", looked) +
            $"\n(expected it copied next to the executable, in a parent folder's hocon/, or named by {ReferenceVariable})");
    }

    private static IEnumerable<string> Upwards(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            yield return Path.Combine(dir.FullName, "hocon", "reference.conf");
        }
    }

    private static void AddEnvironmentOverrides(HoconBuilder builder, IDictionary environment)
    {
        // Sorted so that two variables differing only in case apply in a stable order.
        var entries = environment.Cast<DictionaryEntry>()
            .Where(e => e.Key is string k && k.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase) && k.Length > EnvironmentPrefix.Length)
            .OrderBy(e => (string)e.Key, StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var name = (string)entry.Key;
            var path = name[EnvironmentPrefix.Length..].Split("__");
            if (path.Any(string.IsNullOrEmpty))
            {
                throw new ConfigException(name, $"env {name}", entry.Value as string,
                    $"{EnvironmentPrefix}section__key with non-empty levels", "empty level in variable name");
            }

            builder.AddOverride(path, entry.Value as string, HoconOrigin.Unpositioned($"env {name}"));
        }
    }

    /// <summary>Accepts HOCON paths (<c>a.b."c.d"</c>) and configuration keys (<c>a:b:c</c>).</summary>
    private static IReadOnlyList<string> ParseOverrideKey(string key)
    {
        try
        {
            return key.Contains(':') && !key.Contains('"') ? key.Split(':') : HoconPath.Parse(key);
        }
        catch (FormatException e)
        {
            throw new ConfigException(key, $"command line --set {key}", null, "a key path such as training.reload-interval", e.Message);
        }
    }
}
