namespace ActorCodistill.Cluster.Configuration;

/// <summary>
/// The one place that decides what a repeated key means: objects merge recursively, anything else
/// replaces, self-references see the earlier value, and unresolved later values keep the earlier
/// one as a fallback (so <c>secret = ${?CODISTILL_SECRET}</c> keeps the default when the variable is unset).
/// </summary>
internal static class HoconMerge
{
    public static void MergeField(HoconObject target, string key, HoconValue value, IReadOnlyList<string> targetPath)
    {
        var fieldPath = Append(targetPath, key);
        if (!target.TryGetValue(key, out var earlier))
        {
            target.Set(key, value);
            return;
        }

        if (earlier is HoconObject earlierObject && value is HoconObject laterObject)
        {
            foreach (var (k, v) in laterObject.Fields)
            {
                MergeField(earlierObject, k, v, fieldPath);
            }

            return;
        }

        var replaced = ReplaceSelfReferences(value, fieldPath, earlier, out _);
        target.Set(key, replaced.NeedsResolution || earlier.NeedsResolution && replaced is HoconObject
            ? new HoconDelayedMerge(earlier, replaced)
            : replaced);
    }

    public static void MergeObject(HoconObject target, HoconObject later, IReadOnlyList<string> targetPath)
    {
        foreach (var (k, v) in later.Fields)
        {
            MergeField(target, k, v, targetPath);
        }
    }

    /// <summary>
    /// Replaces <c>${field}</c> / <c>${field.sub}</c> written directly in the field's value (alone or in a
    /// concatenation, not nested inside an object or array, which would be a cycle) with the earlier value.
    /// </summary>
    public static HoconValue ReplaceSelfReferences(HoconValue value, IReadOnlyList<string> fieldPath, HoconValue? earlier,
        out bool changed)
    {
        changed = false;
        switch (value)
        {
            case HoconSubstitution s when StartsWith(s.Path, fieldPath):
                changed = true;
                return new HoconPriorValue(s, earlier, s.Path.Skip(fieldPath.Count).ToList());
            case HoconConcatenation c:
                var parts = new List<HoconValue>(c.Parts.Count);
                foreach (var part in c.Parts)
                {
                    parts.Add(ReplaceSelfReferences(part, fieldPath, earlier, out var partChanged));
                    changed |= partChanged;
                }

                return changed ? new HoconConcatenation(c.Origin, parts) : c;
            default:
                return value;
        }
    }

    /// <summary>
    /// After all layers are merged, self-references that never met an earlier value refer to nothing:
    /// optional ones vanish, required ones fail with a clear message at resolution.
    /// </summary>
    public static void CloseSelfReferences(HoconObject obj, IReadOnlyList<string> path)
    {
        foreach (var key in obj.Keys)
        {
            var fieldPath = Append(path, key);
            var closed = Close(obj[key], fieldPath);
            obj.Set(key, closed);
        }
    }

    private static HoconValue Close(HoconValue value, IReadOnlyList<string> fieldPath)
    {
        switch (value)
        {
            case HoconObject o:
                CloseSelfReferences(o, fieldPath);
                return o;
            case HoconDelayedMerge d:
                return new HoconDelayedMerge(Close(d.Earlier, fieldPath), Close(d.Later, fieldPath));
            case HoconPriorValue p when p.Earlier is not null:
                return new HoconPriorValue(p.Reference, Close(p.Earlier, fieldPath), p.Remainder);
            case HoconSubstitution or HoconConcatenation:
                var replaced = ReplaceSelfReferences(value, fieldPath, null, out _);
                return replaced is HoconConcatenation c
                    ? new HoconConcatenation(c.Origin, c.Parts.Select(part => Close(part, fieldPath)).ToList())
                    : replaced;
            default:
                return value;
        }
    }

    /// <summary>Merges two resolved objects into a fresh one; neither input is changed.</summary>
    public static HoconObject MergeResolved(HoconObject earlier, HoconObject later)
    {
        var result = Copy(earlier);
        foreach (var (k, v) in later.Fields)
        {
            if (result.TryGetValue(k, out var existing) && existing is HoconObject eo && v is HoconObject lo)
            {
                result.Set(k, MergeResolved(eo, lo));
            }
            else
            {
                result.Set(k, v);
            }
        }

        return result;
    }

    private static HoconObject Copy(HoconObject source)
    {
        var copy = new HoconObject(source.Origin);
        foreach (var (k, v) in source.Fields)
        {
            copy.Set(k, v is HoconObject o ? Copy(o) : v);
        }

        return copy;
    }

    public static IReadOnlyList<string> Append(IReadOnlyList<string> path, string key)
    {
        var list = new List<string>(path.Count + 1);
        list.AddRange(path);
        list.Add(key);
        return list;
    }

    private static bool StartsWith(IReadOnlyList<string> path, IReadOnlyList<string> prefix) =>
        path.Count >= prefix.Count && prefix.Select((p, i) => p == path[i]).All(x => x);
}
