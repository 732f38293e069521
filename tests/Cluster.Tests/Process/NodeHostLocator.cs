namespace ActorCodistill.Cluster.Tests.Process;

/// <summary>
/// Finds ActorCodistill.NodeHost.dll, which the test project builds (a ProjectReference that is not referenced) into
/// its own output folder: CODISTILL_NODEHOST_DLL when set, else next to the tests, else the sibling output folder in
/// the artifacts layout (<c>bin/ActorCodistill.NodeHost/&lt;pivot&gt;</c>) or in the classic one
/// (<c>tests/NodeHost/bin/&lt;Configuration&gt;/&lt;tfm&gt;</c>).
/// </summary>
internal static class NodeHostLocator
{
    public const string Variable = "CODISTILL_NODEHOST_DLL";
    private const string FileName = "ActorCodistill.NodeHost.dll";

    public static string Find()
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } configured) candidates.Add(configured);
        var here = Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory);
        candidates.Add(Path.Combine(here, FileName));
        var sep = Path.DirectorySeparatorChar;
        candidates.Add(Path.Combine(here.Replace($"{sep}ActorCodistill.Cluster.Tests{sep}", $"{sep}ActorCodistill.NodeHost{sep}", StringComparison.Ordinal), FileName));
        candidates.Add(Path.Combine(here.Replace($"{sep}tests{sep}Cluster.Tests{sep}", $"{sep}tests{sep}NodeHost{sep}", StringComparison.Ordinal), FileName));
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException(
                $"{FileName} not found; build tests/NodeHost or set {Variable}. Looked at: {string.Join(", ", candidates.Distinct())}");
    }
}
