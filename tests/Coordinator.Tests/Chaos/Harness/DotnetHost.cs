namespace ActorCodistill.Coordinator.Tests.Chaos.Harness;

/// <summary>Finds the <c>dotnet</c> executable that runs node processes.</summary>
public static class DotnetHost
{
    /// <summary>DOTNET_HOST_PATH (set by the SDK while building and testing), then PATH, then DOTNET_ROOT.</summary>
    /// <exception cref="FileNotFoundException">Naming every place that was searched.</exception>
    public static string Find()
    {
        var searched = new List<string>();
        if (System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath)
        {
            if (File.Exists(hostPath)) return hostPath;
            searched.Add($"DOTNET_HOST_PATH={hostPath}");
        }

        var exe = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        foreach (var dir in (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, exe);
            if (File.Exists(candidate)) return candidate;
        }
        searched.Add("PATH");

        if (System.Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } root)
        {
            var candidate = Path.Combine(root, exe);
            if (File.Exists(candidate)) return candidate;
            searched.Add($"DOTNET_ROOT={root}");
        }

        throw new FileNotFoundException($"no '{exe}' found (searched {string.Join(", ", searched)}); set DOTNET_HOST_PATH to the dotnet executable");
    }
}
