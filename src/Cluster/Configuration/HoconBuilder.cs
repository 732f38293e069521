using System.Collections;

namespace ActorCodistill.Cluster.Configuration;

/// <summary>
/// Layers HOCON sources into one document before resolving it once, so a later layer's
/// substitutions can refer to keys of an earlier one (the user's file to reference.conf) and
/// an override of a key is seen by every substitution that mentions it.
/// </summary>
public sealed class HoconBuilder
{
    private readonly List<Action<HoconObject>> _layers = [];

    /// <summary>Adds a file; a missing file is an error unless <paramref name="optional"/>.</summary>
    public HoconBuilder AddFile(string path, bool optional = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        _layers.Add(root =>
        {
            var full = Path.GetFullPath(path);
            if (!File.Exists(full))
            {
                if (optional)
                {
                    return;
                }

                throw new HoconException(HoconOrigin.Unpositioned(full), "configuration file not found (expected an existing HOCON file)");
            }

            HoconMerge.MergeObject(root, HoconParser.ParseFile(full), []);
        });
        return this;
    }

    /// <summary>Adds HOCON text; includes in it resolve against <paramref name="baseDirectory"/> (default: current directory).</summary>
    public HoconBuilder AddText(string text, string sourceName = "<string>", string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        _layers.Add(root => HoconMerge.MergeObject(root, HoconParser.ParseText(text, sourceName, baseDirectory), []));
        return this;
    }

    /// <summary>
    /// Sets one key to a string (or null) value, as environment variables and <c>--set</c> do. Segments
    /// match existing keys ignoring case, because environment variable names often lose their case.
    /// </summary>
    public HoconBuilder AddOverride(IReadOnlyList<string> path, string? value, HoconOrigin origin)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Count == 0 || path.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException($"override path '{string.Join('.', path)}' has an empty segment", nameof(path));
        }

        _layers.Add(root =>
        {
            var parent = root;
            var parentPath = new List<string>();
            for (var i = 0; i < path.Count - 1; i++)
            {
                var key = MatchKey(parent, path[i]);
                if (!parent.TryGetValue(key, out var child) || child is not HoconObject childObject)
                {
                    childObject = new HoconObject(origin);
                    HoconMerge.MergeField(parent, key, childObject, parentPath);
                    childObject = parent[key] as HoconObject ?? childObject;
                }

                parentPath.Add(key);
                parent = childObject;
            }

            var scalar = new HoconScalar(origin, value, value is null ? HoconScalarKind.Null : HoconScalarKind.String);
            HoconMerge.MergeField(parent, MatchKey(parent, path[^1]), scalar, parentPath);
        });
        return this;
    }

    /// <summary>Merges all layers in order and resolves substitutions (environment: the process's, unless given).</summary>
    public HoconObject Build(IDictionary? environment = null)
    {
        var root = new HoconObject(HoconOrigin.Unpositioned("<merged>"));
        foreach (var layer in _layers)
        {
            layer(root);
        }

        return HoconResolver.Resolve(root, environment ?? Environment.GetEnvironmentVariables());
    }

    private static string MatchKey(HoconObject obj, string key) =>
        obj.TryGetValue(key, out _) ? key : obj.Keys.FirstOrDefault(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase)) ?? key;
}

/// <summary>One-call entry points for a single source.</summary>
public static class Hocon
{
    public static HoconObject Parse(string text, string sourceName = "<string>", IDictionary? environment = null) =>
        new HoconBuilder().AddText(text, sourceName).Build(environment);

    public static HoconObject ParseFile(string path, IDictionary? environment = null) =>
        new HoconBuilder().AddFile(path).Build(environment);
}
