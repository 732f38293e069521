using System.Runtime.CompilerServices;

namespace ActorCodistill.Cluster.Tests.Configuration;

/// <summary>
/// Finds the fixture files and the repository's hocon/reference.conf: copied next to the test
/// assembly when the project copies them, else in the source tree this file was compiled from
/// (builds with --artifacts-path put the binaries outside the repository).
/// </summary>
internal static class Fixtures
{
    private static readonly Lazy<string> Directory = new(Locate);

    public static string Path(string name) => System.IO.Path.Combine(Directory.Value, name);

    /// <summary>The source folder of these tests, from the compiler.</summary>
    public static string SourceDirectory => System.IO.Path.GetDirectoryName(ThisFile())!;

    /// <summary>A folder inside the repository, from which reference.conf is found by walking up.</summary>
    public static string InsideRepository => SourceDirectory;

    /// <summary>
    /// An environment for <see cref="ActorCodistill.Cluster.Configuration.ConfigLoader"/> holding only the given
    /// variables and the location of the repository's reference.conf, so tests never see the machine's variables.
    /// </summary>
    public static System.Collections.Hashtable Environment(params (string Key, string Value)[] variables)
    {
        var env = new System.Collections.Hashtable { [ActorCodistill.Cluster.Configuration.ConfigLoader.ReferenceVariable] = RepositoryReference };
        foreach (var (k, v) in variables)
        {
            env[k] = v;
        }

        return env;
    }

    public static string RepositoryReference =>
        System.IO.Path.GetFullPath(System.IO.Path.Combine(SourceDirectory, "..", "..", "..", "hocon", "reference.conf"));

    private static string ThisFile([CallerFilePath] string path = "") => path;

    private static string Locate()
    {
        string[] candidates =
        [
            System.IO.Path.Combine(AppContext.BaseDirectory, "Configuration", "Fixtures"),
            System.IO.Path.Combine(SourceDirectory, "Fixtures"),
        ];
        return candidates.FirstOrDefault(System.IO.Directory.Exists)
               ?? throw new DirectoryNotFoundException($"Configuration/Fixtures not found; looked in {string.Join(", ", candidates)}");
    }
}
