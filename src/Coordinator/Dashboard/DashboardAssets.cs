using System.Collections.Frozen;

namespace ActorCodistill.Coordinator.Dashboard;

/// <summary>
/// The page's files (index.html, the script, the styles, and the vendored uPlot), embedded in this assembly by the
/// build under <c>dashboard/</c> (ActorCodistill.Coordinator.csproj). Looked up by exact name, so a request can reach
/// nothing else.
/// </summary>
public static class DashboardAssets
{
    private const string Prefix = "dashboard/";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    }.ToFrozenDictionary();

    private static readonly Lazy<FrozenDictionary<string, byte[]>> Files = new(Load);

    /// <summary>Every embedded file, by its path under wwwroot (e.g. "vendor/uPlot.iife.min.js").</summary>
    public static IReadOnlyCollection<string> Names => Files.Value.Keys;

    public static bool TryGet(string path, out byte[] content, out string contentType)
    {
        contentType = ContentTypes.GetValueOrDefault(Path.GetExtension(path), "application/octet-stream");
        return Files.Value.TryGetValue(path, out content!);
    }

    private static FrozenDictionary<string, byte[]> Load()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            files[name[Prefix.Length..]] = copy.ToArray();
        }
        if (!files.ContainsKey("index.html") || !files.ContainsKey("vendor/uPlot.iife.min.js"))
            throw new InvalidOperationException($"{assembly.GetName().Name} was built without the dashboard's page or its vendored uPlot " +
                                                "(run deploy/vendor-web.sh, then build again)");
        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
