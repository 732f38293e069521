using System.Collections;
using ActorCodistill.Cluster.Configuration;

namespace ActorCodistill.Cluster.Tests.Configuration;

/// <summary>
/// A key reference.conf does not define is an error naming it, where it was set and the closest known key, from every
/// layer (file, environment, --set); list elements and the user's own sections are not unknown keys.
/// </summary>
[Trait("Category", "Unit")]
public class UnknownKeysTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("unknown-keys-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Hashtable Env(params (string Key, string Value)[] vars) => Fixtures.Environment(vars);

    private string File(string text)
    {
        var path = Path.Combine(_dir, "job.conf");
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void ATypoOnTheCommandLine_IsAnErrorSuggestingTheKey()
    {
        var e = Assert.Throws<ConfigException>(() =>
            ConfigLoader.Load(null, new Dictionary<string, string?> { ["trainig.steps"] = "5" }, Env()));
        Assert.Equal("trainig.steps", e.Key);
        Assert.Contains("did you mean training.steps?", e.Message);
        Assert.Contains("--set trainig.steps=5", e.Message);
    }

    [Fact]
    public void ATypoInAFile_NamesTheFileAndLine()
    {
        var path = File("training {\n  steps = 5\n  reload-intervall = 20\n}\n");
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load(path, null, Env()));
        Assert.Equal("training.reload-intervall", e.Key);
        Assert.Contains($"{path}:3", e.Message);
        Assert.Contains("did you mean training.reload-interval?", e.Message);
    }

    [Fact]
    public void ATypoInTheEnvironment_IsAnError()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load(null, null, Env(("CODISTILL__training__stepz", "5"))));
        Assert.Equal("training.stepz", e.Key);
        Assert.Contains("did you mean training.steps?", e.Message);
    }

    [Fact]
    public void AKeyFarFromEveryKnownOne_IsAnErrorWithoutASuggestion()
    {
        var path = File("flux-capacitor.gigawatts = 1.21\n");
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load(path, null, Env()));
        Assert.Equal("flux-capacitor.gigawatts", e.Key);
        Assert.DoesNotContain("did you mean", e.Message);
    }

    [Fact]
    public void ListElements_UsersOwnTasks_AndKnownKeys_AreAccepted()
    {
        var path = File("""
            cluster.seed-nodes = ["127.0.0.1:4053", "127.0.0.1:4054"]
            cluster.roles += worker
            model.ctr.hidden = [64, 32, 16, 8]
            tasks.my-model { assembly = "x.dll", type = "X", settings { anything { goes = 1 } } }
            training.steps = 5
            """);
        var config = ConfigLoader.Load(path, new Dictionary<string, string?> { ["training.groups"] = "3" }, Env());
        Assert.Equal("127.0.0.1:4054", config["cluster:seed-nodes:1"]);
        Assert.Equal("8", config["model:ctr:hidden:3"]);
        Assert.Equal("1", config["tasks:my-model:settings:anything:goes"]);
    }

    [Fact]
    public void EveryConfigInTheRepository_HasOnlyKnownKeys()
    {
        var root = Path.GetDirectoryName(Path.GetDirectoryName(Fixtures.RepositoryReference))!;
        var configs = Directory.GetFiles(Path.Combine(root, "hocon"), "*.conf", SearchOption.AllDirectories)
            .Concat(Directory.GetFiles(Path.Combine(root, "samples"), "*.conf", SearchOption.AllDirectories))
            .Where(p => !p.EndsWith("reference.conf", StringComparison.Ordinal))
            // An experiment's grid (hocon/experiments/NAME.conf: an `experiment { }` block naming a trainer config) is not a
            // trainer config; ExperimentConfigTests checks its keys, and the trainer configs it names are checked here.
            .Where(p => !System.IO.File.ReadLines(p).Any(l => l.StartsWith("experiment {", StringComparison.Ordinal)))
            .ToList();
        Assert.NotEmpty(configs);
        Assert.Contains(configs, p => p.Contains($"experiments{Path.DirectorySeparatorChar}base", StringComparison.Ordinal));
        foreach (var config in configs)
            ConfigLoader.Load(config, null, Env(("CODISTILL_SECRET", "s")));
    }

    [Theory]
    [InlineData("trainig:steps", "training:steps")]
    [InlineData("training:stepz", "training:steps")]
    [InlineData("data:corpus-pth", "data:corpus-path")]
    public void Closest_FindsTheLikelyKey(string typo, string expected) =>
        Assert.Equal(expected, UnknownKeys.Closest(typo, ["training:steps", "training:groups", "data:corpus-path", "data:corpus"]));
}
