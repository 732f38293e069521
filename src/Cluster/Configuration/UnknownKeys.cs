using Microsoft.Extensions.Configuration;

namespace ActorCodistill.Cluster.Configuration;

/// <summary>
/// Keys a configuration sets that reference.conf does not define. Every key the product reads is defined there with
/// its default, so any other key is a typo (<c>trainig.steps</c>) or a setting of another version, and would otherwise
/// be ignored without a word: the run would go ahead with the default. Sections whose keys are the user's own
/// (<see cref="OpenSections"/>) are not checked; list elements are checked against their list.
/// </summary>
public static class UnknownKeys
{
    /// <summary>Top-level sections whose keys are chosen by the user: users' own tasks and their settings.</summary>
    public static readonly IReadOnlyList<string> OpenSections = ["tasks", "akka"];

    /// <summary>The first key <paramref name="configuration"/> sets that <paramref name="reference"/> does not define, as an error naming it and the closest known key; null when there is none.</summary>
    public static ConfigException? Check(IConfiguration configuration, HoconObject reference)
    {
        var known = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var lists = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        Collect(reference, null, known, lists);
        var leaves = configuration.AsEnumerable().Where(kv => kv.Value is not null).Select(kv => kv.Key).OrderBy(k => k, StringComparer.Ordinal);
        foreach (var key in leaves)
        {
            if (known.Contains(key) || OpenSections.Any(s => key.StartsWith(s + ":", StringComparison.OrdinalIgnoreCase))) continue;
            if (lists.Contains(key) || ListElement(key, lists)) continue; // a list, set whole (--set a.b=x,y) or by element
            var closest = Closest(key, known);
            return new ConfigException(key.Replace(':', '.'), configuration.DescribeOrigin(key), configuration[key],
                "a key that hocon/reference.conf defines (it documents every key the product reads)",
                closest is null ? "no such key" : $"no such key; did you mean {closest.Replace(':', '.')}?");
        }
        return null;
    }

    // Every scalar's key (as IConfiguration flattens them), and every list's key, empty ones included.
    private static void Collect(HoconValue value, string? path, HashSet<string> known, HashSet<string> lists)
    {
        switch (value)
        {
            case HoconObject o:
                foreach (var (key, child) in o.Fields)
                    Collect(child, path is null ? key : $"{path}:{key}", known, lists);
                break;
            case HoconArray a when path is not null:
                lists.Add(path);
                for (var i = 0; i < a.Items.Count; i++)
                    Collect(a.Items[i], $"{path}:{i}", known, lists);
                break;
            case HoconScalar when path is not null:
                known.Add(path);
                break;
        }
    }

    // "cluster:seed-nodes:0" is an element of the list "cluster:seed-nodes" (and "model:ctr:hidden:3" of "model:ctr:hidden").
    private static bool ListElement(string key, HashSet<string> lists)
    {
        var segments = key.Split(':');
        for (var i = segments.Length - 1; i >= 1; i--)
            if (IsIndex(segments[i]) && lists.Contains(string.Join(':', segments[..i])))
                return true;
        return false;
    }

    private static bool IsIndex(string segment) => segment.Length > 0 && segment.All(char.IsAsciiDigit);

    /// <summary>The known key at the smallest edit distance, if it is close enough to be a likely typo.</summary>
    public static string? Closest(string key, IEnumerable<string> known)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in known)
        {
            var d = Distance(key.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (d < bestDistance || (d == bestDistance && string.CompareOrdinal(candidate, best) < 0))
            {
                best = candidate;
                bestDistance = d;
            }
        }
        // Within a third of the key's length: "trainig:steps" -> "training:steps", not an unrelated key.
        return best is not null && bestDistance <= Math.Max(2, key.Length / 3) ? best : null;
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
