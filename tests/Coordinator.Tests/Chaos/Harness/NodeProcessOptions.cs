namespace ActorCodistill.Coordinator.Tests.Chaos.Harness;

/// <summary>What <see cref="NodeProcess.Start"/> runs: <c>dotnet &lt;Dll&gt; &lt;Args&gt;</c> with extra environment variables.</summary>
public sealed class NodeProcessOptions
{
    /// <summary>The application to run with the <c>dotnet</c> host (found through DOTNET_HOST_PATH, then PATH).</summary>
    public required string Dll { get; init; }

    public IReadOnlyList<string> Args { get; init; } = [];

    /// <summary>Added to (or, with a null value, removed from) the test process's environment.</summary>
    public IDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>(StringComparer.Ordinal);

    /// <summary>Names the process in failures and its log file.</summary>
    public string Name { get; init; } = "node";

    /// <summary>Where <c>&lt;Name&gt;.log</c> (stdout and stderr of every incarnation) is written; null keeps lines in memory only.</summary>
    public string? LogDirectory { get; init; }

    public string? WorkingDirectory { get; init; }
}
