using System.Collections;
using System.Text;

namespace ActorCodistill.Cluster.Configuration;

/// <summary>
/// Resolves substitutions against the whole merged document, then the environment. Fields are
/// resolved lazily and in place; a stack of the field paths being resolved detects cycles.
/// </summary>
internal sealed class HoconResolver
{
    private readonly HoconObject _root;
    private readonly IDictionary _environment;
    private readonly List<(string Path, HoconSubstitution? Via)> _resolving = [];

    private HoconResolver(HoconObject root, IDictionary environment)
    {
        _root = root;
        _environment = environment;
    }

    public static HoconObject Resolve(HoconObject root, IDictionary environment)
    {
        HoconMerge.CloseSelfReferences(root, []);
        var resolver = new HoconResolver(root, environment);
        resolver.ResolveFields(root, []);
        return root;
    }

    private void ResolveFields(HoconObject obj, IReadOnlyList<string> path)
    {
        foreach (var key in obj.Keys)
        {
            ResolveField(obj, key, HoconMerge.Append(path, key), null);
        }
    }

    /// <summary>Resolves one field in place; returns null (and removes the field) when it is undefined.</summary>
    private HoconValue? ResolveField(HoconObject parent, string key, IReadOnlyList<string> path, HoconSubstitution? via)
    {
        if (!parent.TryGetValue(key, out var value))
        {
            return null;
        }

        if (!value.NeedsResolution)
        {
            return value;
        }

        var name = HoconPath.Render(path);
        var cycleStart = _resolving.FindIndex(r => r.Path == name);
        if (cycleStart >= 0)
        {
            var chain = _resolving.Skip(cycleStart).Select(r => r.Path).Append(name);
            var at = via ?? _resolving[^1].Via;
            throw new HoconException(at?.Origin ?? value.Origin,
                $"substitution cycle: {string.Join(" -> ", chain)} (expected values that do not refer back to themselves)");
        }

        _resolving.Add((name, via));
        try
        {
            var resolved = value is HoconObject o ? ResolveObjectInPlace(o, path) : Resolve(value, path);
            if (resolved is null)
            {
                parent.Remove(key);
            }
            else
            {
                parent.Set(key, resolved);
            }

            return resolved;
        }
        finally
        {
            _resolving.RemoveAt(_resolving.Count - 1);
        }
    }

    private HoconObject ResolveObjectInPlace(HoconObject obj, IReadOnlyList<string> path)
    {
        ResolveFields(obj, path);
        return obj;
    }

    private HoconValue? Resolve(HoconValue value, IReadOnlyList<string> path)
    {
        switch (value)
        {
            case HoconScalar:
                return value;
            case HoconObject o:
                return ResolveObjectInPlace(o, path);
            case HoconArray a:
                var items = new List<HoconValue>(a.Items.Count);
                foreach (var item in a.Items)
                {
                    if (Resolve(item, path) is { } r)
                    {
                        items.Add(r);
                    }
                }

                return new HoconArray(a.Origin, items);
            case HoconSubstitution s:
                return Substitute(s);
            case HoconPriorValue p:
                return ResolvePrior(p, path);
            case HoconConcatenation c:
                return Concatenate(c, path);
            case HoconDelayedMerge d:
                var later = Resolve(d.Later, path);
                if (later is null)
                {
                    return Resolve(d.Earlier, path);
                }

                if (later is HoconObject laterObject && Resolve(d.Earlier, path) is HoconObject earlierObject)
                {
                    return HoconMerge.MergeResolved(earlierObject, laterObject);
                }

                return later;
            case HoconWhitespace w:
                return new HoconScalar(w.Origin, w.Text, HoconScalarKind.String);
            default:
                throw new InvalidOperationException($"unknown HOCON node {value.GetType().Name}");
        }
    }

    private HoconValue? ResolvePrior(HoconPriorValue p, IReadOnlyList<string> path)
    {
        var value = p.Earlier is null ? null : Resolve(p.Earlier, path);
        foreach (var segment in p.Remainder)
        {
            value = value is HoconObject o && o.TryGetValue(segment, out var child) ? child : null;
        }

        if (value is null && !p.Reference.Optional)
        {
            throw new HoconException(p.Origin,
                $"substitution {p.Reference.Written} refers to its own field, which has no earlier value " +
                "(expected an earlier definition, or use ${?...} to make it optional)");
        }

        return value;
    }

    private HoconValue? Substitute(HoconSubstitution s)
    {
        var found = Lookup(s.Path, s);
        if (found is null && s.FallbackPath is not null)
        {
            found = Lookup(s.FallbackPath, s);
        }

        if (found is not null)
        {
            return found;
        }

        var envName = string.Join('.', s.FallbackPath ?? s.Path);
        if (_environment.Contains(envName) && _environment[envName] is string envValue)
        {
            return new HoconScalar(HoconOrigin.Unpositioned($"env {envName}"), envValue, HoconScalarKind.String);
        }

        if (s.Optional)
        {
            return null;
        }

        throw new HoconException(s.Origin,
            $"unresolved substitution {s.Written} (expected a key '{HoconPath.Render(s.FallbackPath ?? s.Path)}' in the " +
            $"configuration or an environment variable '{envName}'; use ${{?...}} if it may be absent)");
    }

    /// <summary>Finds a path in the document, resolving only what lies on the way.</summary>
    private HoconValue? Lookup(IReadOnlyList<string> path, HoconSubstitution via)
    {
        var current = _root;
        for (var i = 0; i < path.Count; i++)
        {
            if (!current.TryGetValue(path[i], out var child))
            {
                return null;
            }

            var prefix = path.Take(i + 1).ToList();
            if (i == path.Count - 1)
            {
                return ResolveField(current, path[i], prefix, via);
            }

            // Walk through plain objects without resolving them whole: a field may refer to a sibling.
            var next = child is HoconObject o ? o : ResolveField(current, path[i], prefix, via);
            if (next is not HoconObject nextObject)
            {
                return null;
            }

            current = nextObject;
        }

        return null;
    }

    private HoconValue? Concatenate(HoconConcatenation c, IReadOnlyList<string> path)
    {
        var parts = new List<HoconValue>();
        foreach (var part in c.Parts)
        {
            if (part is HoconWhitespace)
            {
                parts.Add(part);
            }
            else if (Resolve(part, path) is { } r)
            {
                parts.Add(r);
            }
        }

        // Whitespace next to a vanished ${?x} should not leave stray spaces at the ends.
        while (parts.Count > 0 && parts[0] is HoconWhitespace)
        {
            parts.RemoveAt(0);
        }

        while (parts.Count > 0 && parts[^1] is HoconWhitespace)
        {
            parts.RemoveAt(parts.Count - 1);
        }

        var values = parts.Where(p => p is not HoconWhitespace).ToList();
        if (values.Count == 0)
        {
            return null;
        }

        if (values.All(v => v is HoconObject))
        {
            var merged = (HoconObject)values[0];
            foreach (var next in values.Skip(1))
            {
                merged = HoconMerge.MergeResolved(merged, (HoconObject)next);
            }

            return merged;
        }

        if (values.All(v => v is HoconArray))
        {
            return new HoconArray(values[0].Origin, values.SelectMany(v => ((HoconArray)v).Items));
        }

        if (values.All(v => v is HoconScalar))
        {
            if (values.Count == 1)
            {
                return values[0];
            }

            var sb = new StringBuilder();
            foreach (var p in parts)
            {
                sb.Append(p switch
                {
                    HoconWhitespace w => w.Text,
                    HoconScalar s => s.Text ?? "null",
                    _ => "",
                });
            }

            return new HoconScalar(c.Origin, sb.ToString(), HoconScalarKind.String);
        }

        var kinds = string.Join(", ", values.Select(v => v switch
        {
            HoconObject => "object",
            HoconArray => "array",
            _ => "string",
        }).Distinct());
        throw new HoconException(c.Origin,
            $"cannot concatenate values of different types ({kinds}) (expected only strings, only objects or only arrays on one line)");
    }
}
